"""The local summariser: no model, no network, no download. English and Bengali.

The summary is extractive: it is a handful of the transcript's own sentences, in the order they
were said. Consecutive cues of one speaker are joined into a turn and the turn is split into
sentences (`.`, `?`, `!`, `…`, and the Bengali `।`); a sentence that runs on for more than
MAX_SENTENCE_WORDS words (speech recognition often writes no full stop) falls back to its cues.
Greetings, filler and questions are not candidates (in a class too short to leave any, a
statement with one content word will do). Each candidate is scored by how close its
words are to the whole session's (the cosine between its TF-IDF vector and the transcript's
centroid, over content words: stop words out, light suffix stripping), the best are taken while
they do not repeat one another, and put back in time order.

Action items are the sentences that ask something of people: obligation and deadline phrases
("make sure", "remember to", "by Friday", "homework", "due", "submit", "don't forget"; "বাড়ির
কাজ", "জমা দাও", "মনে রেখো", "ভুলো না", "…শুক্রবারের মধ্যে"), an obligation addressed to the
listeners ("you need to", "তোমাদের … করতে হবে"), "please" (and "দয়া করে"), or an imperative
that names a task or a time ("Read chapter 5 for Monday"). Room logistics ("please mute"),
questions and what speakers say of themselves ("I have a question about the homework") are
not action items. Each keeps who said it and when.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from attendance.recordings.summarisers.draft import ActionItem, Cue, Draft

MAX_SENTENCES = 5
SUMMARY_MAX_CHARS = 1500
MAX_SENTENCE_WORDS = 60  # longer: a run-on without punctuation, split at its cues instead
MAX_CANDIDATE_CHARS = 400
MIN_CONTENT_WORDS = 3
REPEAT_OVERLAP = 0.5  # Jaccard overlap of content words above which a sentence repeats another
MAX_ACTION_ITEMS = 10
ACTION_ITEM_MAX_CHARS = 500

# Words: letters and digits of any script plus the combining marks Bengali vowel signs are
# (Python's \w leaves out marks such as া, so "বাড়ি" would fall apart).
_WORD = re.compile(r"(?:[^\W_]|[\u0300-\u036f\u0981-\u0983\u09bc-\u09d7\u09e2\u09e3])+")
_BENGALI = re.compile(r"[\u0980-\u09ff]")
_SENTENCE_END = re.compile(r"[.?!…।॥]+[\"'”’)\]]*(?=\s|$)")
_ABBREVIATIONS = {"mr", "mrs", "ms", "dr", "prof", "st", "vs", "etc", "eg", "ie", "no", "fig", "p"}


def _nfc(text: str) -> str:
    # Sentences are normalised once; the quick check makes every later call cheap.
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def _wordset(text: str) -> frozenset[str]:
    return frozenset(_nfc(text).split())


_STOP_EN = _wordset(
    """a about above after again against all also am an and any are aren't as at be because been
    before being below between both but by can can't could couldn't did didn't do does doesn't
    doing don't down during each few for from further get gets got had hadn't has hasn't have
    haven't having he he'd he'll he's her here here's hers herself him himself his how how's i i'd
    i'll i'm i've if in into is isn't it it's its itself just let's like me more most much must
    my myself no nor not now of off on once only or other ought our ours ourselves out over own
    really same shall she she'd she'll she's should shouldn't so some such than that that's the
    their theirs them themselves then there there's these they they'd they'll they're they've
    this those through to too under until up very was wasn't we we'd we'll we're we've were
    weren't what what's when when's where where's which while who who's whom why why's will with
    won't would wouldn't you you'd you'll you're you've your yours yourself yourselves going
    gonna want wanna one two thing things way actually basically kind sort lot lots let us
    today now next go see look know think say said tell told make made take put"""
)
_FILLER_EN = _wordset(
    """hello hi hey good morning afternoon evening everyone everybody welcome thanks thank bye
    goodbye okay ok alright yeah yes yep nope um umm uh uhh hmm er erm ah oh guys folks hear
    right sure great nice cool fine wow class"""
)
_STOP_BN = _wordset(
    """আমি আমরা আমার আমাদের আমাকে তুমি তোমরা তোমার তোমাদের তোমাকে আপনি আপনারা আপনার আপনাদের
    সে তারা তার তাদের তাকে এ এই এটা এটি এগুলো ওই ওটা ওটি সেই সেটা সেটি যে যা যারা যেটা কি কী কেন
    কোন কোনো কেমন কত কখন কোথায় এবং ও আর কিন্তু তবে যদি তাহলে তাই অথবা বা না নয় নেই হয় হবে হয়েছে
    হচ্ছে ছিল ছিলো হলো হল হয়ে করে করা করি করব করবো করছি করেছি করতে করবে থেকে জন্য দিয়ে মধ্যে
    সাথে সঙ্গে উপর নিচে একটি একটা এক এর তো টা টি গুলো খুব আরও আরো এখন আজ আজকে এখানে ওখানে
    সব সবাই আছে আছো আছেন ছিলাম পারি পারে পারবে দেখো দেখ দেখি বলি বলো বলে বললাম"""
)
_FILLER_BN = _wordset(
    """নমস্কার নমস্তে আসসালামু আলাইকুম সালাম শুভ সকাল বিকাল সন্ধ্যা সুপ্রভাত সবাইকে স্বাগতম
    ধন্যবাদ আচ্ছা ঠিক হ্যাঁ হুম ওকে শুনতে পাচ্ছ পাচ্ছো পাচ্ছেন পাচ্ছি বিদায় ভালো ভাল"""
)
# Case and number endings, longest first; one is stripped from a word that keeps 2+ letters.
_SUFFIXES_BN = sorted(
    _wordset("গুলোকে গুলোর গুলো গুলি দেরকে দের টিকে টাকে টির টার টি টা কে রা এর ের তে য় ে"),
    key=len,
    reverse=True,
)


# --- sentences -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sentence:
    position: int
    speaker: str
    start_ms: int
    text: str


def _sentence_spans(text: str) -> list[tuple[int, int]]:
    """Where the sentences of `text` start and end; "Dr." and "e.g." end none."""
    spans, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        if match.group().startswith("."):
            before = text[start : match.start()].rsplit(None, 1)
            word = before[-1].lower().replace(".", "") if before else ""
            if word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
                continue
        spans.append((start, match.end()))
        start = match.end()
    if text[start:].strip():
        spans.append((start, len(text)))
    return spans


def sentences_of(cues: Iterable[Cue]) -> list[Sentence]:
    """The transcript as sentences, in order, each with its speaker and the start of the cue
    it begins in."""
    turns: list[list[Cue]] = []
    for cue in cues:
        if not cue.text.strip():
            continue
        if turns and turns[-1][0].speaker == cue.speaker:
            turns[-1].append(cue)
        else:
            turns.append([cue])
    result: list[Sentence] = []
    for turn in turns:
        text, pieces = "", []  # pieces: (start offset in text, end offset, cue)
        for cue in turn:
            piece = " ".join(_nfc(cue.text).split())
            if text:
                text += " "
            pieces.append((len(text), len(text) + len(piece), cue))
            text += piece
        for start, end in _sentence_spans(text):
            words = len(text[start:end].split())
            if words <= MAX_SENTENCE_WORDS:
                parts = [(start, end)]
            else:  # a run-on: its cues are the units instead
                parts = [
                    (max(a, start), min(b, end)) for a, b, _ in pieces if a < end and b > start
                ]
            for a, b in parts:
                chunk = text[a:b].strip()
                if not chunk:
                    continue
                first = a + len(text[a:b]) - len(text[a:b].lstrip())  # its first character
                cue = next(c for p_start, p_end, c in pieces if p_start <= first < p_end)
                result.append(Sentence(len(result), cue.speaker, cue.start_ms, chunk))
    return result


# --- words -----------------------------------------------------------------------------------


@functools.lru_cache(maxsize=65536)  # a class says the same words again and again
def _stem(word: str) -> str:
    if _BENGALI.search(word):
        for suffix in _SUFFIXES_BN:
            if word.endswith(suffix) and len(word) - len(suffix) >= 2:
                return word[: -len(suffix)]
        return word
    if word.endswith("'s") or word.endswith("’s"):
        word = word[:-2]
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def content_words(text: str) -> list[str]:
    """The words that carry meaning: lower-cased, no stop words or filler, no numbers,
    lightly stemmed."""
    words = []
    for raw in _WORD.findall(_nfc(text).replace("’", "'")):
        word = raw.lower()
        if word.isdigit() or word in _STOP_EN or word in _FILLER_EN:
            continue
        if word in _STOP_BN or word in _FILLER_BN:
            continue
        if len(word) < 2:
            continue
        words.append(_stem(word))
    return words


def is_bengali(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha() or _BENGALI.match(ch)]
    return bool(letters) and sum(1 for ch in letters if _BENGALI.match(ch)) / len(letters) > 0.3


# --- the summary -----------------------------------------------------------------------------


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    dot = sum(weight * b.get(term, 0.0) for term, weight in a.items())
    norm = math.sqrt(sum(w * w for w in a.values())) * math.sqrt(sum(w * w for w in b.values()))
    return dot / norm if norm else 0.0


def summary_pick(sentences: Sequence[Sentence], *, limit: int = MAX_SENTENCES) -> list[Sentence]:
    """The sentences that best stand for the whole, in the order they were said."""
    words = [content_words(s.text) for s in sentences]
    statements = [
        i
        for i, s in enumerate(sentences)
        if len(s.text) <= MAX_CANDIDATE_CHARS and not s.text.rstrip("\"'”’)] ").endswith("?")
    ]
    candidates = [i for i in statements if len(set(words[i])) >= MIN_CONTENT_WORDS]
    if not candidates:  # a short class: any statement that says something
        candidates = [i for i in statements if words[i]]
    if not candidates:
        return []
    document_frequency: Counter[str] = Counter()
    for i in candidates:
        document_frequency.update(set(words[i]))
    n = len(candidates)
    idf = {term: math.log(1 + n / df) for term, df in document_frequency.items()}
    vectors: dict[int, dict[str, float]] = {}
    centroid: dict[str, float] = {}
    for i in candidates:
        counts = Counter(words[i])
        vectors[i] = {term: count * idf[term] for term, count in counts.items()}
        for term, weight in vectors[i].items():
            if document_frequency[term] > 1:  # a word said once says little about the whole
                centroid[term] = centroid.get(term, 0.0) + weight
    scores = {i: _cosine(vectors[i], centroid) for i in candidates}
    wanted = min(limit, max(1, math.ceil(math.sqrt(n) / 2)))
    chosen: list[int] = []
    length = 0
    # Ties (a class too short for shared words): the sentence that says most, then the first.
    for i in sorted(candidates, key=lambda i: (-scores[i], -len(set(words[i])), i)):
        if len(chosen) == wanted:
            break
        mine = set(words[i])
        if any(
            len(mine & set(words[j])) / len(mine | set(words[j])) > REPEAT_OVERLAP for j in chosen
        ):
            continue
        if chosen and length + len(sentences[i].text) > SUMMARY_MAX_CHARS:
            continue
        chosen.append(i)
        length += len(sentences[i].text) + 1
    return [sentences[i] for i in sorted(chosen)]


# --- action items ----------------------------------------------------------------------------

_DAYS_EN = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|tomorrow|tonight)"
_NEXT_EN = r"(?:next (?:class|lesson|session|week|time)|the (?:next|following) (?:class|lesson))"
_STRONG_EN = re.compile(
    r"\bhome ?work\b|\bassignments?\b|\bdeadline\b|\bdue\b(?! to\b)|\bsubmit|\bhand (?:it |them |"
    r"this |that )?in\b|\bturn (?:it |them |this |that )?in\b|\bdon'?t forget\b|\bdo not forget\b"
    r"|\bremember to\b|\bmake sure\b|\bbe sure to\b"
    rf"|\b(?:by|before|until) (?:this |next |the end of )?(?:{_DAYS_EN}|{_NEXT_EN}|the end of"
    rf"|end of)\b|\b(?:for|in) {_NEXT_EN}\b",
    re.IGNORECASE,
)
_OBLIGED_EN = re.compile(
    r"\b(?:you|everyone|everybody|all of you|each of you|you all|you guys|y'all)\b[^.?!]{0,25}?"
    r"\b(?:need to|needs to|have to|has to|must(?! have\b)|will need to|'ll need to|are to"
    r"|are expected to|are supposed to)\b|\bi (?:want|would like|'d like) (?:you|everyone|"
    r"everybody|all of you|each of you) to\b|\byour (?:task|job) (?:is|will be)\b",
    re.IGNORECASE,
)
_PLEASE_EN = re.compile(r"\bplease\b", re.IGNORECASE)
_IMPERATIVE_EN = re.compile(
    r"^(?:(?:so|and|now|okay|ok|alright|right|then|also|next|first|finally|again)\b[,\s]*)*"
    r"(?:read|write|submit|finish|complete|bring|prepare|practi[cs]e|revise|review|solve|study"
    r"|learn|memori[sz]e|email|send|upload|watch|do|try|attempt|answer|fill|draw|print|work)\b",
    re.IGNORECASE,
)
_TASK_EN = re.compile(
    r"\b(?:chapters?|pages?|exercises?|problems?|questions?|worksheets?|essays?|reports?"
    r"|projects?|sections?|units?|exercise book|at home|tonight|tomorrow|this week|over the "
    r"weekend|for next)\b|" + _DAYS_EN,
    re.IGNORECASE,
)
_LOGISTICS_EN = re.compile(
    r"\b(?:mute|unmute|microphones?|mics?|cameras?|videos? on|share (?:my|your) screen|hear me"
    r"|see my screen|chat ?box|raise your hands?|breakout rooms?|can you see)\b",
    re.IGNORECASE,
)

_DAYS_BN = (
    "(?:কালকের|কালকে|রবিবার|সোমবার|মঙ্গলবার|বুধবার|বৃহস্পতিবার|শুক্রবার|শনিবার|আগামীকাল|কাল"
    "|পরের ক্লাস|আগামী ক্লাস|পরবর্তী ক্লাস|আগামী সপ্তাহ|পরের সপ্তাহ)"
)
_STRONG_BN = re.compile(
    _nfc(
        r"বাড়ির কাজ|বাড়ীর কাজ|হোমওয়ার্ক|হোম ওয়ার্ক|অ্যাসাইনমেন্ট|এসাইনমেন্ট|জমা\s*(?:দ|কর)"
        r"|মনে রাখ|মনে রেখ|ভুল(?:ো|বে|বেন|ে যেও|ে যাবে|ে যাবেন|ে যেয়ো) না|নিশ্চিত কর"
        rf"|{_DAYS_BN}(?:ের|এর|র)?\s*(?:মধ্যে|আগে|ভেতরে)"
        r"|(?:পড়ে|করে|লিখে|শিখে|মুখস্থ করে|শেষ করে|সমাধান করে) (?:আসবে|আসবেন|আনবে|আনবেন|আসো|আনো|এসো)"
    )
)
_OBLIGED_BN = re.compile(
    _nfc(
        r"(?:তোমরা|তোমাদের|তোমাকে|তুমি|আপনারা|আপনাদের|আপনাকে|আপনি|সবাই|সবাইকে|প্রত্যেকে)"
        r"[^।?!]*(?:\S+তে হবে|\S+তেই হবে|অবশ্যই|অনুশীলন কর)"
    )
)
_MUST_BN = re.compile(_nfc(r"অবশ্যই[^।?!]*(?:বই|অধ্যায়|পৃষ্ঠা|অনুশীলনী|প্রশ্ন|কাজ|পড়|লিখ|কর)"))
_PLEASE_BN = re.compile(_nfc(r"দয়া করে|অনুগ্রহ করে"))
_LOGISTICS_BN = re.compile(_nfc(r"মাইক|মিউট|আনমিউট|ক্যামেরা|স্ক্রিন|শুনতে পাচ্ছ|চ্যাট"))


# A sentence about the speaker ("I have a question about the homework", "We went over the
# homework") asks nothing of anyone, unless it goes on to ("I want you to…").
_ABOUT_SELF_EN = re.compile(
    r"^(?:(?:so|and|but|well|okay|ok|um|uh|yes|no)\b[,\s]*)*(?:i|i'm|i've|i'd|my|we|we're|"
    r"we've)\b",
    re.IGNORECASE,
)
_ABOUT_SELF_BN = re.compile(_nfc(r"^(?:আচ্ছা,?\s*)?(?:আমি|আমার|আমাকে|আমরা)(?:\s|,|$)"))


def action_strength(text: str) -> int:
    """2: the sentence states a task or a deadline; 1: a request ("please"); 0: none."""
    text = _nfc(text)
    strong = bool(_STRONG_EN.search(text) or _STRONG_BN.search(text))
    question = text.rstrip("\"'”’)] ").endswith("?")
    if question:  # "Did everyone submit it?" asks; "Can you hand it in by Friday?" asks for it
        deadline = re.search(rf"\bby (?:{_DAYS_EN}|{_NEXT_EN})", text, re.IGNORECASE)
        return 2 if deadline or re.search(_nfc(_DAYS_BN) + "(?:ের|এর|র)?\\s*মধ্যে", text) else 0
    obliged = bool(_OBLIGED_EN.search(text) or _OBLIGED_BN.search(text))
    if (_ABOUT_SELF_EN.search(text) or _ABOUT_SELF_BN.search(text)) and not obliged:
        return 0
    if strong:
        return 2
    if _LOGISTICS_EN.search(text) or _LOGISTICS_BN.search(text):
        return 0
    if obliged or _MUST_BN.search(text):
        return 2
    if _IMPERATIVE_EN.search(text) and _TASK_EN.search(text):
        return 2
    if _PLEASE_EN.search(text) or _PLEASE_BN.search(text):
        return 1
    return 0


def action_items_find(sentences: Sequence[Sentence]) -> list[ActionItem]:
    """The sentences that ask something of people, in time order, at most MAX_ACTION_ITEMS
    (the strongest; among equals the later ones, where a class gives its homework)."""
    found: list[tuple[int, Sentence]] = []
    seen: set[str] = set()
    for sentence in sentences:
        strength = action_strength(sentence.text)
        key = " ".join(_WORD.findall(_nfc(sentence.text).lower()))  # said twice: once
        if strength and key not in seen:
            seen.add(key)
            found.append((strength, sentence))
    kept = sorted(found, key=lambda f: (-f[0], -f[1].position))[:MAX_ACTION_ITEMS]
    return [
        ActionItem(text=s.text[:ACTION_ITEM_MAX_CHARS], speaker=s.speaker, start_ms=s.start_ms)
        for _, s in sorted(kept, key=lambda f: f[1].position)
    ]


def summarise_local(cues: Sequence[Cue]) -> Draft:
    """The extractive summary (one picked sentence a line) and the stated action items."""
    sentences = sentences_of(cues)
    picked = summary_pick(sentences)
    return Draft(
        text="\n".join(s.text for s in picked),
        action_items=tuple(action_items_find(sentences)),
        method="local",
    )
