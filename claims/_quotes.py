"""Quotations in a sentence and who the sentence attributes them to.

Both are heuristics tuned for precision: a missed quote or speaker costs a reporter a click, a
wrong speaker misleads them. :func:`attribute_speaker` therefore answers ``(None, None)`` as
soon as the construct is not clear.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass

from claims.models import Quote

__all__ = ["attribute_speaker", "find_quotes", "mask_quotes"]

_PAIRS = {"«": "»", "“": "”", "„": "“", '"': '"', "‘": "’"}
_STRONG = frozenset({"«", "“"})  # marks that quote even a single word
_MARKS = '«»“”„"‘’'

# --- quotations -----------------------------------------------------------------------------


@dataclass
class _Open:
    mark: str
    at: int


def find_quotes(text: str) -> tuple[Quote, ...]:
    """The outermost quotations of ``text``, in order.

    Offsets locate :attr:`Quote.text` (without the marks, trimmed), so
    ``text[q.start:q.end] == q.text``. A quotation nested in another is part of it and is not
    returned on its own. Straight single quotes are never taken for quotation marks (too often
    apostrophes), nor is ``’`` between two letters (aujourd’hui, don’t).
    """
    found: list[Quote] = []
    stack: list[_Open] = []
    for at, ch in enumerate(text):
        if ch not in _MARKS:
            continue
        before = text[at - 1] if at else " "
        after = text[at + 1] if at + 1 < len(text) else " "
        closing = _closes(ch, before, after, stack)
        if closing is not None:
            opened = stack[closing]
            del stack[closing:]
            if not stack:
                quote = _quote(text, opened, at)
                if quote is not None:
                    found.append(quote)
        elif _opens(ch, before, after):
            stack.append(_Open(ch, at))
    return tuple(found)


def _closes(ch: str, before: str, after: str, stack: list[_Open]) -> int | None:
    """The index in ``stack`` of the quotation ``ch`` closes, or None."""
    if ch == "’" and before.isalnum() and after.isalnum():
        return None  # an apostrophe inside a word
    if ch in ('"', "’") and before.isspace():
        return None  # a straight quote after a space opens; a curly one after a space is odd
    for index in range(len(stack) - 1, -1, -1):
        if _PAIRS[stack[index].mark] == ch or (ch == "”" and stack[index].mark == "„"):
            return index
    return None


def _opens(ch: str, before: str, after: str) -> bool:
    if ch in "»”’":
        return False
    if ch in ('"', "‘", "“"):
        # An opening mark starts a word: not glued to a letter before, not followed by a space
        # (“ alone may be spaced, as French typography spaces « »).
        glued = before.isalnum()
        return not glued and (ch == "“" or not after.isspace())
    return True  # « and „


def _quote(text: str, opened: _Open, close_at: int) -> Quote | None:
    inner_start, inner_end = opened.at + 1, close_at
    while inner_start < inner_end and text[inner_start].isspace():
        inner_start += 1
    while inner_end > inner_start and text[inner_end - 1].isspace():
        inner_end -= 1
    inner = text[inner_start:inner_end]
    if not inner or not any(ch.isalnum() for ch in inner):
        return None
    if opened.mark not in _STRONG and len(inner.split()) < 2:
        return None  # "so-called" words in straight or single quotes are rarely quotations
    return Quote(inner, inner_start, inner_end, opened.mark + text[close_at])


def mask_quotes(text: str) -> str:
    """``text`` with the inside of every quotation replaced by ``_`` (same length), so that
    words inside a quote are never read as the sentence's own."""
    chars = list(text)
    for quote in find_quotes(text):
        for at in range(quote.start, quote.end):
            chars[at] = "_"
    return "".join(chars)


# --- speakers -------------------------------------------------------------------------------
def _wordset(words: str) -> frozenset[str]:
    """A set of words written as prose, which reads better than a long literal."""
    return frozenset(words.split())


def _wordlist(words: str) -> list[str]:
    return words.split()


_FR_PARTICIPLES = _wordlist(
    "déclaré affirmé souligné écrit indiqué expliqué dit ajouté estimé répondu critiqué précisé "
    "reconnu dénoncé publié posté tweeté assuré annoncé confié raconté admis insisté rappelé "
    "martelé réagi commenté lancé protesté regretté jugé confirmé démenti nié avoué prévenu "
    "observé noté relevé fustigé partagé exprimé"
)
_FR_PRESENT = _wordlist(
    "déclare affirme souligne écrit indique explique dit ajoute estime répond critique précise "
    "reconnaît reconnait dénonce publie tweete assure annonce confie raconte admet insiste "
    "rappelle martèle réagit commente proteste regrette confirme dément avoue prévient observe "
    "relève fustige poursuit conclut résume tranche"
)
_EN_VERBS = _wordlist(
    "said says wrote writes claimed claims told tells added adds stated states posted posts "
    "tweeted tweets explained explains argued argues insisted insists noted warned warns "
    "announced announces replied replies responded responds acknowledged acknowledges admitted "
    "admits confirmed confirms denied denies"
)
_FR_ADVERBS = (
    r"(?:également|aussi|ainsi|encore|alors|ensuite|notamment|déjà|toujours|d['’]ailleurs|"
    r"en outre|par ailleurs|lui-même|elle-même|\w+ment)"
)
_EN_ADVERBS = (
    r"(?:has|had|have|also|later|previously|then|once|recently|publicly|repeatedly|reportedly)"
)


def _words(words: list[str]) -> str:
    return "|".join(sorted(map(re.escape, words), key=len, reverse=True))


# Each pattern names its construct: "before" (subject before the verb), "after" (inverted,
# subject after), or a fixed position. ``cue`` is the span returned as the speaker cue.
_PATTERNS = (
    (
        "pronoun_after",
        re.compile(
            rf"(?P<cue>\ba\s?-t-\s?(?P<pron>il|elle)\s+(?:{_FR_ADVERBS}\s+){{0,2}}"
            rf"(?:{_words(_FR_PARTICIPLES)})"
            rf"|\b(?:{_words(_FR_PRESENT)})-(?:t-)?(?P<pron2>il|elle))\b"
        ),
    ),
    (
        "verb",
        re.compile(
            rf"(?P<cue>\b(?:a|avait|aurait)\s+(?:{_FR_ADVERBS}\s+){{0,2}}(?:{_words(_FR_PARTICIPLES)})"
            rf"|\b(?:{_words(_FR_PRESENT)})"
            rf"|\b(?:{_EN_ADVERBS}\s+){{0,2}}(?:{_words(_EN_VERBS)}))\b(?!-)"
        ),
    ),
    (
        "according",
        re.compile(r"(?P<cue>\b(?:[Ss]elon|[Dd]['’]après|[Aa]ccording to))\s+"),
    ),
    ("pour", re.compile(r"(?:^|[,;]\s*)(?P<cue>[Pp]our)\s+(?=[^,]{2,60},)")),
    ("colon", re.compile(r"(?P<cue>\s?:)\s*[«“\"]")),
)

_PRONOUNS = frozenset({"il", "elle", "he", "she", "lui", "him", "her"})
_CLITICS = frozenset(
    {"y", "lui", "leur", "en", "nous", "vous", "le", "la", "les", "l", "m", "also"}
)
_PARTICLES = frozenset(
    {
        "de",
        "du",
        "des",
        "d",
        "van",
        "von",
        "der",
        "den",
        "di",
        "da",
        "del",
        "le",
        "la",
        "bin",
        "al",
        "ter",
        "zu",
    }
)
_BLOCKERS = _wordset(
    "and et & or ou ni by of from to with for about than par pour avec à sur on que si if whether"
)
_FORWARD_PARTICLES = _PARTICLES | {"of"}  # "Chamber of Commerce", only reading forwards
_TITLES = _wordset(
    "m. mm. mme mme. mmes mlle mlle. me me. dr dr. pr pr. prof prof. mr mr. mrs mrs. ms ms. sir "
    "dame mgr mgr."
)
# Capitalised role words: "Acme CEO Jane Doe" → Jane Doe.
_ROLES = _wordset(
    "ceo cto cfo coo president senator sen. rep. gov. minister secretary director professor "
    "judge chairman chairwoman mayor président présidente ministre directeur directrice maire "
    "député députée sénateur sénatrice professeur professeure councillor councilor councilman "
    "councilwoman governor chancellor commissioner spokesperson spokesman spokeswoman "
    "ambassador congressman congresswoman premier porte-parole"
)
_DETERMINERS = frozenset({"le", "la", "les", "l", "the"})
_NOT_NAMES = _wordset(
    "un une des ce cet cette ces il elle ils elles on nous vous je tu mais et ou donc car "
    "or ni selon pour sur dans en au aux avec par sans chez après avant depuis pendant "
    "the a an he she it they we i you this that these those but and or so yet in on at "
    "for with by from after before since according if when while "
    "lundi mardi mercredi jeudi vendredi samedi dimanche janvier février mars avril mai "
    "juin juillet août septembre octobre novembre décembre monday tuesday wednesday "
    "thursday friday saturday sunday january february march april may june july august "
    "september october november december hier aujourd'hui demain yesterday today "
    "tomorrow x"
)
_TOKEN = re.compile(r"[^\s,;:()«»“”\"!?]+|[,;:()«»“”\"]")


@dataclass
class _Context:
    """What earlier sentences of the paragraph say about who is speaking."""

    last: str | None = None
    names: tuple[str, ...] = ()

    def note(self, name: str | None) -> None:
        if name:
            self.last = name
            if name not in self.names:
                self.names = (*self.names, name)


def attribute_speaker(sentence: str, previous: Sequence[str] = ()) -> tuple[str | None, str | None]:
    """Who ``sentence`` says is speaking, and the construct that says so: ``(speaker, cue)``.

    ``previous`` are the sentences before it in the same paragraph; a pronoun subject ("il",
    "she") is the last speaker or proper-name subject named there, and a role noun ("le
    dirigeant") is that person only when the paragraph has named exactly one. ``(None, None)``
    when nothing reliable is found.
    """
    context = _Context()
    for earlier in previous:
        speaker, _ = _attribute(earlier, context)
        context.note(speaker or _subject_name(mask_quotes(earlier)))
    return _attribute(sentence, context)


def _attribute(sentence: str, context: _Context) -> tuple[str | None, str | None]:
    masked = mask_quotes(sentence)
    found = []
    for construct, pattern in _PATTERNS:
        for match in pattern.finditer(masked):
            found.append((match.start("cue"), construct, match))
    for _, construct, match in sorted(found, key=lambda item: item[0]):
        subject = _subject(construct, match, masked)
        if subject is _Subject.NONE:
            continue  # not a reporting construct after all (no subject where one must be)
        speaker = _resolve(subject, context)
        if speaker is None:
            return None, None
        cue = " ".join(match.group("cue").split()) or ":"
        if construct in ("according", "pour"):
            cue = cue[0].lower() + cue[1:]  # "Selon X, …" and "… selon X" are one cue
        return speaker, cue
    return None, None


class _Subject(enum.Enum):
    """A subject that is not a name."""

    NONE = "none"  # no subject where a reporting construct needs one: not a report
    ROLE = "role"  # a role noun: "le dirigeant", "the minister"
    PRONOUN = "pronoun"  # il, elle, he, she


def _resolve(subject: str | _Subject, context: _Context) -> str | None:
    if subject is _Subject.PRONOUN:
        return context.last
    if subject is _Subject.ROLE:
        return context.names[0] if len(context.names) == 1 else None
    if not isinstance(subject, str):
        return None
    if " " not in subject:
        # "M. Girardin" after "Thomas Girardin" in the same paragraph: the full name.
        fuller = [name for name in context.names if name.split()[-1] == subject]
        if len(set(fuller)) == 1:
            return fuller[0]
    return subject


def _subject(construct: str, match: re.Match[str], masked: str) -> str | _Subject:
    before = masked[: match.start("cue")]
    after = masked[match.end("cue") :]
    if construct == "pronoun_after":
        return _Subject.PRONOUN
    if construct == "according":
        return _subject_after(after, allow_pronoun=True)
    if construct == "pour":
        subject = _subject_after(after, allow_pronoun=False)
        return subject if isinstance(subject, str) else _Subject.NONE
    if construct == "colon":
        # "Camille Royer : « … »": the whole clause before the colon is the name.
        tokens = _tokens(before.split(",")[-1])
        name = _name(tokens)
        return name if name and len(tokens) <= 4 else _Subject.NONE
    after_quote = re.search(r"[»”\"]\s*,?\s*$", before) is not None
    inverted = after_quote or before.rstrip().endswith(",")
    if inverted and not after_quote:
        # "Igor Vantal, directeur de …, a répondu": an apposition, not an inversion.
        subject = _subject_before(before)
        if subject is not _Subject.NONE:
            return subject
    if inverted:
        return _subject_after(after, allow_pronoun=False)
    return _subject_before(before)


def _tokens(text: str) -> list[str]:
    """Words and punctuation; a sentence's final period is not part of the last word."""
    found = _TOKEN.findall(text)
    return [
        token[:-1]
        if token.endswith(".") and len(token) > 1 and token.lower() not in _TITLES
        else token
        for token in found
    ]


def _is_cap(token: str) -> bool:
    core = re.sub(r"^[dlDL]['’]", "", token)
    return bool(core) and core[0].isupper() and (core[0].isalpha())


def _subject_before(before: str) -> str | _Subject:
    tokens = _tokens(before)
    while tokens and tokens[-1].lower().rstrip("'’") in _CLITICS:
        tokens.pop()
    if not tokens:
        return _Subject.NONE
    last = tokens[-1]
    if last.lower() in ("il", "elle", "he", "she"):
        return _Subject.PRONOUN
    if last.lower().startswith(("n'", "n’", "qu", "qui", "who", "that")):
        return _Subject.NONE  # negation or a relative clause: not a report of what someone said
    if last == ",":
        # "Igor Vantal, directeur de l'ingénierie chez Nébula IA, a affirmé": back to the name;
        # "The chamber's director, Priya Nandakumar, posted": the apposition is the name.
        segments = before.rstrip().rstrip(",").split(",")
        name = _name(_tokens(segments[-1]))
        if name and all(_is_cap(t) or t in _PARTICLES for t in _tokens(segments[-1])):
            return name
        if len(segments) >= 2 and _is_apposition(segments[-1]):
            name = _trailing_name(_tokens(segments[-2]))
            return name if name else _Subject.NONE
        return _Subject.NONE
    name = _trailing_name(tokens)
    if name:
        return name
    if _is_role(tokens[-3:]):
        return _Subject.ROLE
    return _Subject.NONE


def _is_apposition(segment: str) -> bool:
    tokens = _tokens(segment)
    if not tokens:
        return False
    first = tokens[0]
    return (
        first[0].islower()
        or first[0].isdigit()
        or first.lower().rstrip("'’") in {"un", "une", "the", "a", "an"}
    )


def _is_role(tokens: list[str]) -> bool:
    """A definite role noun: "le dirigeant", "l'ingénieur", "the minister" (not "the posts")."""
    lowered = [t.lower() for t in tokens]
    for at, token in enumerate(lowered):
        if token in ("le", "la", "the") and at + 1 < len(lowered):
            noun = tokens[at + 1]
            if token == "the" and noun.endswith("s") and not noun.endswith("ss"):
                return False
            return all(t.isalpha() and t.islower() for t in tokens[at + 1 :])
        if re.match(r"^l['’]\w+$", token) and at == len(lowered) - 1:
            return tokens[at][2:].islower()
    return False


def _subject_after(after: str, *, allow_pronoun: bool) -> str | _Subject:
    tokens = _tokens(after)
    if not tokens:
        return _Subject.NONE
    if allow_pronoun and tokens[0].lower() in _PRONOUNS:
        return _Subject.PRONOUN
    if tokens[0] in ("the", "le", "la") and len(tokens) > 1 and _is_cap(tokens[1]):
        tokens = tokens[1:]  # "according to the Riverton Chamber of Commerce"
    taken: list[str] = []
    for token in tokens:
        if _is_cap(token) or token.lower() in _TITLES or (taken and token in _FORWARD_PARTICLES):
            taken.append(token)
        else:
            break
    name = _name(taken, keep_article=True)
    if name:
        return name
    if _is_role(tokens[:3]) or re.match(r"^l['’]\w+$", tokens[0].lower()):
        return _Subject.ROLE
    return _Subject.NONE


def _trailing_name(tokens: list[str]) -> str | None:
    """The name that ends ``tokens``, unless it is a complement ("le ministre de l'Intérieur",
    "the report by Smith") or one of several subjects ("Fontaine and Ferreira")."""
    taken: list[str] = []
    for token in reversed(tokens):
        if _is_cap(token) or token.lower() in _TITLES or (taken and token.lower() in _PARTICLES):
            taken.insert(0, token)
        else:
            break
    while len(taken) > 1 and re.match(r"^[dl]['’]", taken[0]):
        taken.pop(0)  # "l'ingénieur d'Openai Javier Soto": the complement, then the name
    if taken and taken[0].lower() in _PARTICLES:
        return None
    if len(taken) < len(tokens) and tokens[-len(taken) - 1].lower() in _BLOCKERS:
        return None
    return _name(taken)


def _name(tokens: list[str], *, keep_article: bool = False) -> str | None:
    """A proper name from capitalised tokens: titles, role words and sentence starters
    ("Mardi", "Le") dropped; None when nothing name-like is left."""
    tokens = list(tokens)
    while tokens and tokens[-1].lower() in _PARTICLES:
        tokens.pop()
    roles = [at for at, token in enumerate(tokens) if token.lower() in _ROLES]
    if roles:
        tokens = tokens[roles[-1] + 1 :]
    _drop_leading_non_names(tokens, keep_article=keep_article)
    return " ".join(tokens) if _is_name(tokens) else None


def _drop_leading_non_names(tokens: list[str], *, keep_article: bool) -> None:
    """Drop the titles, articles, particles and sentence starters ``tokens`` opens with (in
    place); with ``keep_article``, an article opening a name ("selon Le Monde") is kept."""
    while tokens:
        low = tokens[0].lower().replace("’", "'")
        if low in _TITLES or low + "." in _TITLES:
            tokens.pop(0)
        elif low.rstrip("'") in _DETERMINERS:
            if keep_article and len(tokens) > 1 and _is_cap(tokens[1]):
                break  # "selon Le Monde"
            tokens.pop(0)
        elif low in _PARTICLES or low in _NOT_NAMES:
            tokens.pop(0)
        else:
            break


def _is_name(tokens: list[str]) -> bool:
    """Whether ``tokens`` read as a proper name: one to five capitalised words (particles
    allowed inside), no abbreviation or possessive, not a lone letter."""
    if not tokens or len(tokens) > 5 or not tokens[0][0].isupper() or not _is_cap(tokens[-1]):
        return False
    if not all(_is_cap(token) or token in _FORWARD_PARTICLES for token in tokens):
        return False
    if any(token.endswith((".", "'s", "’s")) for token in tokens):
        return False  # an abbreviation or a possessive ("Smith's claims"): not a speaker
    return not (len(tokens) == 1 and len(tokens[0]) < 2)


def _subject_name(masked: str) -> str | None:
    """A proper-name subject at the start of a sentence or of its second clause ("Le soir même,
    Igor Vantal, directeur …, a répondu"), of at least two words: one capitalised word at the
    start of a sentence is too often not a name."""
    for segment in masked.split(",")[:2]:
        tokens = _tokens(segment)
        taken: list[str] = []
        for token in tokens:
            if _is_cap(token) or (taken and token.lower() in _PARTICLES):
                taken.append(token)
            else:
                break
        name = _name(taken)
        if name and len(name.split()) >= 2:
            return name
    return None
