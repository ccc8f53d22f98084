"""Generated classroom speech for the transcript search benchmark: words drawn from a Zipf
distribution (as word frequencies are in real speech), English for most sessions and Bengali
for some, with the words the benchmark searches for at chosen ranks.

English: the function words first (the stop words a search ignores), a few classroom words near
the top (`okay` is said in about one cue in eight, `question` in one in fourteen), a few hundred
real classroom words, then a long tail of made-up words, with real rare words placed far down
the tail (`photosynthesis` is said about fifty times in 1,000 hours). Bengali: real stems with
their inflections (-র/-এর, -কে, -দের, -টি, -য়/-তে, -গুলো), so that a search for বাংলা has to
find বাংলায় and বাংলার.
"""

from __future__ import annotations

import random
from itertools import accumulate


def _words(text: str) -> list[str]:
    return text.split()


FUNCTION_WORDS = _words(
    "the and to of a i you it is that in we this so what be for on can have are do with not"
    " they at if one but all just he she there your was about like my me his her will get how"
    " know because from an our when would them yes no or think want then right"
)
# Placed near the top of the list (rank in brackets): the "common" words of the benchmark.
COMMON = {8: "okay", 15: "question", 22: "answer", 40: "now", 60: "look"}
CLASSROOM = _words(
    "page book chapter read write homework example number problem equation solve value answer"
    " class student teacher lesson today tomorrow yesterday remember explain understand"
    " together group table picture draw line point angle triangle square circle area length"
    " width height volume speed distance time minute hour second morning evening water air"
    " fire earth plant animal cell energy force light sound heat metal wood paper river"
    " mountain country city village history story poem word sentence paragraph grammar verb"
    " noun adjective spelling language english maths science geography music art sport"
    " test exam mark score result check correct wrong mistake try again please thank sorry"
    " hand raise quiet listen speak loud voice board screen share slide video chat camera"
    " microphone mute unmute break lunch finish start begin end first last next before after"
    " because reason idea think believe guess choose decide compare different same similar"
    " bigger smaller larger higher lower faster slower easy hard difficult simple question"
    " questions asked asking answered answers explained explaining examples numbers problems"
    " solving solved wrote writing reading drawing students teachers lessons classes books"
    " pages chapters plants animals cells countries cities stories poems words sentences"
    " tests exams marks scores results mistakes minutes hours seconds groups pictures"
    " fraction decimal percent multiply divide add subtract sum difference product quotient"
    " experiment observe measure record data graph chart map scale north south east west"
    " government election vote law rights duty community family friend neighbour school"
    " library computer internet website email password project presentation team leader"
    " deadline submit upload download file folder document spreadsheet notes summary"
)
RARE = ("photosynthesis", "mitochondria", "parallelogram", "onomatopoeia", "archipelago")
RARE_RANK = 15_000  # one of these at every 400 ranks from here
TAIL = 20_000
SYLLABLES = _words(
    "ba be bi bo bu da de di do du fa fe fi fo ka ke ki ko la le li lo ma me mi mo na ne ni no"
    " pa pe pi po ra re ri ro sa se si so ta te ti to va ve vi vo za ze zi zo tra tre pro pre"
    " ment tion ness ing ous ive able ful less ist ism"
)

BENGALI_FUNCTION = _words(
    "আমি তুমি আমরা তোমরা সে এটা ওটা এই ওই কি কী না হ্যাঁ এবং আর কিন্তু তাই যে হয় হবে ছিল করে করো"
    " করছি বলো বলছি দেখো শোনো এখন তারপর আবার খুব একটু সব"
)
BENGALI_STEMS = _words(
    "বাংলা গান শিক্ষক ছাত্র প্রশ্ন উত্তর বই পড়া লেখা অঙ্ক বিজ্ঞান ইতিহাস ভূগোল পরীক্ষা ক্লাস"
    " বাড়ি কাজ সময় দিন নদী দেশ মানুষ কবিতা গল্প ভাষা শব্দ বাক্য অধ্যায় পাতা উদাহরণ সমীকরণ"
    " সংখ্যা ভগ্নাংশ গাছ পাখি আকাশ পৃথিবী সূর্য চাঁদ জল বাতাস শহর গ্রাম বন্ধু পরিবার বিদ্যালয়"
    " খাতা কলম ছবি মানচিত্র উদ্ভিদ প্রাণী শক্তি আলো শব্দ যন্ত্র কম্পিউটার"
)
BENGALI_SUFFIXES = ("", "", "", "র", "কে", "দের", "টি", "য়", "তে", "গুলো")
BENGALI_RARE = ("সালোকসংশ্লেষণ",)


def _tail_word(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(3, 4)))


def english_vocabulary(rng: random.Random) -> list[str]:
    words = list(FUNCTION_WORDS)
    for rank, word in sorted(COMMON.items()):
        words.insert(rank - 1, word)
    seen = set(words)
    for word in CLASSROOM:
        if word not in seen:
            seen.add(word)
            words.append(word)
    while len(words) < TAIL:
        word = _tail_word(rng)
        if word not in seen:
            seen.add(word)
            words.append(word)
    for number, word in enumerate(RARE):
        words.insert(RARE_RANK + 400 * number, word)
    return words


def bengali_vocabulary() -> list[str]:
    words = list(BENGALI_FUNCTION)
    for suffix in dict.fromkeys(BENGALI_SUFFIXES):
        words += [stem + suffix for stem in BENGALI_STEMS]
    words += [w for w in ("okay", "question", "class", "test") if w not in words]
    words.insert(2_000 if len(words) > 2_000 else len(words) - 1, BENGALI_RARE[0])
    return words


class Speech:
    """Cues of one language: `cue()` gives one line of 6 to 18 words."""

    def __init__(self, words: list[str], rng: random.Random, *, stop: str, exponent: float = 1.0):
        self.words = words
        self.rng = rng
        self.stops = stop * 5 + "?!"
        self.cum = list(accumulate(1 / (rank**exponent) for rank in range(1, len(words) + 1)))

    def cue(self) -> str:
        n = self.rng.randint(6, 18)
        text = " ".join(self.rng.choices(self.words, cum_weights=self.cum, k=n))
        return text[0].upper() + text[1:] + self.rng.choice(self.stops)


def speeches(seed: int = 14) -> tuple[Speech, Speech]:
    rng = random.Random(seed)
    return (
        Speech(english_vocabulary(rng), rng, stop="."),
        Speech(bengali_vocabulary(), rng, stop="।"),
    )
