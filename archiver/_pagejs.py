"""Scripts the capture engine runs in every page."""

METADATA_JS = r"""
() => {
  const metas = {};
  const og = {}, twitter = {}, article = {};
  for (const m of document.querySelectorAll('meta')) {
    const key = m.getAttribute('property') || m.getAttribute('name') || m.getAttribute('itemprop');
    const value = m.getAttribute('content');
    if (!key || value === null) continue;
    const k = key.toLowerCase();
    if (k.startsWith('og:')) og[k.slice(3)] = value;
    else if (k.startsWith('twitter:')) twitter[k.slice(8)] = value;
    else if (k.startsWith('article:')) article[k.slice(8)] = value;
    else metas[k] = value;
  }
  const jsonld = [];
  for (const s of document.querySelectorAll('script[type="application/ld+json"]')) {
    try { jsonld.push(JSON.parse(s.textContent)); }
    catch (e) { jsonld.push({'@postproof_error': 'invalid JSON-LD', raw: s.textContent.slice(0, 2000)}); }
  }
  const links = (sel) => [...document.querySelectorAll(sel)].map((l) => ({
    rel: l.getAttribute('rel'), type: l.getAttribute('type'), href: l.href, title: l.getAttribute('title')}));
  const canonical = document.querySelector('link[rel="canonical"]');
  return {
    title: document.title,
    lang: document.documentElement.getAttribute('lang'),
    canonical: canonical ? canonical.href : null,
    meta: metas, opengraph: og, twitter: twitter, article: article, jsonld: jsonld,
    oembed: links('link[type="application/json+oembed"], link[type="text/xml+oembed"]'),
    alternates: links('link[rel="alternate"]'),
  };
}
"""

PAGE_HEIGHT_JS = """
() => Math.max(document.documentElement ? document.documentElement.scrollHeight : 0,
               document.body ? document.body.scrollHeight : 0)
"""

VISIBLE_TEXT_JS = """
(limit) => (document.body ? document.body.innerText : '').slice(0, limit)
"""

HTML_LENGTH_JS = "() => document.documentElement ? document.documentElement.outerHTML.length : 0"

# Resolves once the images the page has started loading are in and fonts are ready, and two
# frames have been painted: the screenshot then shows what a reader would see.
SETTLE_JS = """
async () => {
  const pending = [...document.images].filter((img) => !img.complete && img.loading !== 'lazy');
  await Promise.all(pending.map((img) => new Promise((done) => {
    img.addEventListener('load', done, {once: true});
    img.addEventListener('error', done, {once: true});
  })));
  if (document.fonts) await document.fonts.ready;
  await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
}
"""
