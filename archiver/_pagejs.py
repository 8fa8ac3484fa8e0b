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

# What the snapshot reads of the page at once: the HTML's length (the HTML itself is copied out
# only when within the budget), the visible text and the metadata.
PAGE_READING_JS = f"""
(limit) => ({{
  htmlChars: ({HTML_LENGTH_JS})(),
  text: ({VISIBLE_TEXT_JS})(limit),
  metadata: ({METADATA_JS})(),
}})
"""

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

# Consent and cookie walls: the known consent-management frameworks first, then any button in a
# consent-looking dialog or fixed banner whose label refuses (preferred: no consent is given on
# the reporter's behalf) or, failing that, accepts. Returns the label clicked, or null.
CONSENT_JS = r"""
() => {
  const known = [
    '#onetrust-reject-all-handler', '#onetrust-accept-btn-handler',
    '#didomi-notice-disagree-button', '#didomi-notice-agree-button',
    '#CybotCookiebotDialogBodyButtonDecline', '#CybotCookiebotDialogBodyLevelButtonLevelOptinAllowAll',
    '.qc-cmp2-summary-buttons button[mode="secondary"]', '.qc-cmp2-summary-buttons button[mode="primary"]',
    '#truste-consent-required', '#truste-consent-button',
    '.fc-cta-do-not-consent', '.fc-cta-consent',
    'button[data-cookiebanner="accept_only_essential_button"]',
    'button[data-testid="cookie-policy-manage-dialog-decline-button"]',
  ];
  const refuse = /^(reject all|reject|refuse( all)?|(refuse|reject) non-essential cookies|decline( optional cookies| all)?|only allow essential cookies|allow essential( cookies)? only|use necessary cookies only|necessary only|tout refuser|refuser( tout)?|continuer sans accepter|je refuse|alle ablehnen|ablehnen|rechazar todo|rifiuta tutto)$/i;
  const accept = /^(accept all( cookies)?|accept( cookies)?|allow all( cookies)?|i agree|agree|ok|got it|tout accepter|accepter( et fermer)?|j'accepte|alle akzeptieren|aceptar todo|accetta tutto)$/i;
  const visible = (el) => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const label = (el) => (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().replace(/\s+/g, ' ');
  for (const sel of known) {
    const el = document.querySelector(sel);
    if (el && visible(el)) { el.click(); return label(el) || sel; }
  }
  const containers = [...document.querySelectorAll('[role="dialog"], [aria-modal="true"], dialog, div, section, aside, form')]
    .filter((el) => {
      const name = `${el.id} ${el.className}`.toLowerCase();
      const style = getComputedStyle(el);
      const looks = /consent|cookie|gdpr|cmp|privacy|didomi|onetrust|banner/.test(name) ||
        el.getAttribute('role') === 'dialog' || el.getAttribute('aria-modal') === 'true';
      return looks && (style.position === 'fixed' || style.position === 'sticky' || el.getAttribute('aria-modal') === 'true') && visible(el);
    });
  for (const pattern of [refuse, accept]) {
    for (const box of containers) {
      const text = (box.innerText || '').toLowerCase();
      if (!/cookie|consent|privacy|vie privée|partenaires|partners|données|datenschutz/.test(text)) continue;
      for (const button of box.querySelectorAll('button, [role="button"], a[href="#"], a:not([href]), input[type="button"], input[type="submit"]')) {
        if (visible(button) && pattern.test(label(button))) { button.click(); return label(button); }
      }
    }
  }
  return null;
}
"""

# "Show more" / "See more" controls that expand a truncated post in place. Only controls that do
# not navigate (buttons, role=button, links without a real target) are clicked. Returns how many.
SHOW_MORE_JS = r"""
(extraSelector) => {
  const phrases = /^(show more|see more|read more|more|…\s*more|\.\.\.\s*more|voir plus|afficher la suite|lire la suite|afficher plus|mehr anzeigen|ver más|mostra altro)$/i;
  const label = (el) => (el.innerText || el.getAttribute('aria-label') || '').trim().replace(/\s+/g, ' ');
  const candidates = new Set(extraSelector ? document.querySelectorAll(extraSelector) : []);
  for (const el of document.querySelectorAll('button, [role="button"], a, span[tabindex]')) {
    if (phrases.test(label(el))) candidates.add(el);
  }
  let clicked = 0;
  for (const el of candidates) {
    if (clicked >= 10) break;
    if (el.tagName === 'A') {
      const href = el.getAttribute('href');
      if (href && href !== '#' && !href.startsWith('javascript:')) continue;  // it would navigate
    }
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    el.click();
    clicked += 1;
  }
  return clicked;
}
"""

# One step of lazy loading: scroll a viewport further down; the page's height after the step and
# whether the bottom is reached.
SCROLL_STEP_JS = """
() => {
  const before = window.scrollY;
  window.scrollBy(0, Math.max(200, window.innerHeight * 0.9));
  const height = Math.max(document.documentElement.scrollHeight, document.body ? document.body.scrollHeight : 0);
  return {height: height, bottom: window.scrollY + window.innerHeight >= height - 2,
          moved: window.scrollY !== before};
}
"""

SCROLL_TOP_JS = "() => window.scrollTo(0, 0)"

# Back to the top after scrolling, then the "show more" controls (one call: one round trip).
TOP_AND_SHOW_MORE_JS = f"""
(extraSelector) => {{
  ({SCROLL_TOP_JS})();
  return ({SHOW_MORE_JS})(extraSelector);
}}
"""

# Back to the top with the "show more" controls expanded (TOP_AND_SHOW_MORE_JS); when none was,
# the page settled (SETTLE_JS) in the same call. Returns how many were expanded: the caller
# settles the page itself once their content has had its moment.
SHOW_MORE_OR_SETTLE_JS = f"""
async (extraSelector) => {{
  const expanded = ({TOP_AND_SHOW_MORE_JS})(extraSelector);
  if (!expanded) await ({SETTLE_JS})();
  return expanded;
}}
"""

# The page's first screen, in one call where one is enough: the consent wall cleared (when a
# banner was clicked, the call ends there: its content has its moment first); else the page's
# height read and a first screen scrolled (SCROLL_STEP_JS); and when that scroll found the page's
# end without moving (a page no taller than its window: nothing to load further down), the "show
# more" controls expanded or the page settled, as SHOW_MORE_OR_SETTLE_JS does (``settled``).
FIRST_SCREEN_JS = f"""
async (extraSelector) => {{
  const clicked = ({CONSENT_JS})();
  const height = ({PAGE_HEIGHT_JS})();
  if (clicked) return {{ clicked: clicked, height: height }};
  const step = ({SCROLL_STEP_JS})();
  if (!step.bottom || step.moved) return {{ height: height, step: step }};
  const expanded = await ({SHOW_MORE_OR_SETTLE_JS})(extraSelector);
  return {{ height: height, step: step, settled: true, expanded: expanded }};
}}
"""

# The page made still for its photographs, as Playwright's own screenshots make it (its
# inPagePrepareForScreenshots, with hideCaret and disableAnimations): in the document and every
# open shadow root, finite CSS animations and transitions are run to their end and infinite
# ones cancelled, now and whenever one starts; text fields show no caret. Nothing is restored:
# the page is closed once photographed.
STILL_FOR_SHOTS_JS = """
() => {
  const roots = [];
  const collect = (root) => {
    roots.push(root);
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_ELEMENT);
    do {
      const node = walker.currentNode;
      if (node instanceof Element && node.shadowRoot) collect(node.shadowRoot);
    } while (walker.nextNode());
  };
  if (document.documentElement) collect(document);
  for (const root of roots) {
    root.querySelectorAll('input,textarea,[contenteditable]').forEach((element) => {
      element.style.setProperty('caret-color', 'transparent', 'important');
    });
    const still = () => {
      for (const animation of root.getAnimations()) {
        if (!animation.effect || animation.playbackRate === 0) continue;
        try {
          if (Number.isFinite(animation.effect.getComputedTiming().endTime)) animation.finish();
          else animation.cancel();
        } catch (e) {}
      }
    };
    still();
    root.addEventListener('transitionrun', still);
    root.addEventListener('animationstart', still);
  }
}
"""

# The screenshots' one question to the page before the full-page one is taken: the page made
# still (STILL_FOR_SHOTS_JS), its fonts ready, then its height and whether the adapter's script
# marked an element as the post.
READY_FOR_SHOTS_JS = f"""
async () => {{
  ({STILL_FOR_SHOTS_JS})();
  if (document.fonts) await document.fonts.ready;
  return {{
    height: ({PAGE_HEIGHT_JS})(),
    post: document.querySelector('[data-postproof-post]') !== null,
  }};
}}
"""

# Where the post's element is, for its photograph: scrolled into view where it is not (in the
# page and in any scrolling box that holds it, as Playwright's element screenshots do), then,
# once it has kept the same place for two painted frames (at most ten frames are waited for),
# its box in the document's coordinates, and whether it fits the window. Null when no element is
# marked, or the marked one shows nothing (no width or no height).
POST_BOX_JS = """
async () => {
  const element = document.querySelector('[data-postproof-post]');
  if (!element) return null;
  if (element.scrollIntoViewIfNeeded) element.scrollIntoViewIfNeeded(true);
  else element.scrollIntoView({block: 'center', inline: 'center'});
  const frame = () => new Promise((done) => requestAnimationFrame(done));
  let box = null;
  for (let frames = 0; frames < 10; frames++) {
    await frame();
    const now = element.getBoundingClientRect();
    const same = box && now.x === box.x && now.y === box.y &&
      now.width === box.width && now.height === box.height;
    box = now;
    if (same) break;
  }
  if (!box.width || !box.height) return null;
  return {
    x: box.x + window.scrollX, y: box.y + window.scrollY, width: box.width, height: box.height,
    fits: box.width <= window.innerWidth && box.height <= window.innerHeight,
  };
}
"""

# Replace known secret values (a logged-in session's cookies echoed by the page) in the live
# page, before it is recorded or photographed: text, attributes, form values, open shadow roots.
# Returns how many were replaced.
SCRUB_JS = r"""
([secrets, marker]) => {
  let count = 0;
  const scrub = (text) => {
    if (typeof text !== 'string' || !text) return text;
    for (const s of secrets) {
      if (text.includes(s)) { count += text.split(s).length - 1; text = text.split(s).join(marker); }
    }
    return text;
  };
  const visit = (root) => {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT | NodeFilter.SHOW_COMMENT);
    for (let node = walker.currentNode; node; node = walker.nextNode()) {
      if (node.nodeType !== Node.ELEMENT_NODE) {
        const clean = scrub(node.nodeValue);
        if (clean !== node.nodeValue) node.nodeValue = clean;
        continue;
      }
      for (const attr of [...node.attributes]) {
        const clean = scrub(attr.value);
        if (clean !== attr.value) node.setAttribute(attr.name, clean);
      }
      if ('value' in node && typeof node.value === 'string') {
        const clean = scrub(node.value);
        if (clean !== node.value) node.value = clean;
      }
      if (node.shadowRoot) visit(node.shadowRoot);
    }
  };
  visit(document.documentElement || document);
  const title = scrub(document.title);
  if (title !== document.title) document.title = title;
  return count;
}
"""
