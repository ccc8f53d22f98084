"""Transcripts for the summary tests, cue by cue as Zoom's VTT gives them: (speaker, start in
seconds, text). Cues break sentences where speech recognition did."""

from attendance.recordings.summarisers.draft import Cue

TEACHER = "Tara Teacher"


def cues(rows):
    return [Cue(speaker=who, start_ms=int(at * 1000), text=text) for who, at, text in rows]


ENGLISH = cues(
    [
        (TEACHER, 2, "Good morning everyone."),
        (TEACHER, 4, "Can you all hear me okay?"),
        ("Ann A", 7, "Yes, we can hear you."),
        (TEACHER, 10, "Great, thank you. Let's get started."),
        (TEACHER, 14, "Today we are learning about photosynthesis, the process plants use"),
        (TEACHER, 19, "to turn light energy into chemical energy stored in glucose."),
        (TEACHER, 26, "Photosynthesis happens in the chloroplasts of leaf cells."),
        (TEACHER, 31, "The chloroplasts contain chlorophyll, a green pigment that absorbs light."),
        ("Bob B", 40, "Is that why leaves are green?"),
        (TEACHER, 43, "Exactly. Chlorophyll reflects green light, so leaves look green to us."),
        (TEACHER, 52, "Plants take in carbon dioxide from the air through small pores called"),
        (TEACHER, 57, "stomata, and they take up water from the soil through their roots."),
        (TEACHER, 66, "Using light energy, the plant turns carbon dioxide and water into glucose"),
        (TEACHER, 71, "and oxygen. Oxygen is released into the air as a by-product."),
        (TEACHER, 80, "Please mute your microphones when you are not speaking."),
        (
            TEACHER,
            85,
            "So the word equation is carbon dioxide plus water gives glucose plus oxygen.",
        ),
        ("Ann A", 95, "Does photosynthesis happen at night?"),
        (TEACHER, 98, "Good question. Without light the light reactions of photosynthesis stop,"),
        (TEACHER, 104, "but plants keep respiring, using glucose for energy day and night."),
        (TEACHER, 112, "The rate of photosynthesis depends on light intensity, carbon dioxide"),
        (TEACHER, 117, "concentration and temperature. These are called limiting factors."),
        (TEACHER, 125, "If you increase the light intensity, the rate of photosynthesis rises"),
        (TEACHER, 130, "until another limiting factor, like carbon dioxide, holds it back."),
        (TEACHER, 140, "We will test this in the lab next week with pondweed and a lamp."),
        ("Bob B", 150, "Okay."),
        (TEACHER, 153, "Plants use the glucose to build cellulose for cell walls and starch"),
        (TEACHER, 158, "for storage, and to make proteins and oils."),
        (TEACHER, 170, "Alright, that's most of what we need for today."),
        (TEACHER, 175, "For homework, read chapter 6 on photosynthesis and answer"),
        (TEACHER, 179, "questions 1 to 5 on page 84."),
        (TEACHER, 184, "Please submit your answers on the class page by Friday."),
        ("Ann A", 190, "Do we need to draw the leaf diagram too?"),
        (TEACHER, 193, "Yes, and remember to label the chloroplasts and the stomata."),
        (TEACHER, 200, "Thank you everyone, see you next class. Bye!"),
    ]
)
# The sentences an action item must be, with who said each and when (seconds).
ENGLISH_ACTIONS = [
    (
        "For homework, read chapter 6 on photosynthesis and answer questions 1 to 5 on page 84.",
        TEACHER,
        175,
    ),
    ("Please submit your answers on the class page by Friday.", TEACHER, 184),
    ("Yes, and remember to label the chloroplasts and the stomata.", TEACHER, 193),
]

BENGALI = cues(
    [
        (TEACHER, 1, "নমস্কার সবাইকে।"),
        (TEACHER, 4, "সবাই কি আমার কথা শুনতে পাচ্ছ?"),
        ("রিয়া", 7, "হ্যাঁ, শুনতে পাচ্ছি।"),
        (TEACHER, 10, "আজ আমরা সালোকসংশ্লেষণ নিয়ে আলোচনা করব।"),
        (TEACHER, 15, "সালোকসংশ্লেষণ হলো সেই প্রক্রিয়া যার মাধ্যমে সবুজ উদ্ভিদ"),
        (TEACHER, 20, "সূর্যের আলো ব্যবহার করে খাদ্য তৈরি করে।"),
        (TEACHER, 27, "এই প্রক্রিয়া পাতার কোষের ক্লোরোপ্লাস্টে ঘটে।"),
        (TEACHER, 33, "ক্লোরোপ্লাস্টে ক্লোরোফিল নামে একটি সবুজ রঞ্জক থাকে যা আলো শোষণ করে।"),
        ("রাহুল", 41, "এই জন্যই কি পাতা সবুজ দেখায়?"),
        (TEACHER, 45, "ঠিক বলেছ। ক্লোরোফিল সবুজ আলো প্রতিফলিত করে, তাই পাতা সবুজ দেখায়।"),
        (TEACHER, 54, "উদ্ভিদ পাতার পত্ররন্ধ্র দিয়ে বাতাস থেকে কার্বন ডাই অক্সাইড গ্রহণ করে"),
        (TEACHER, 60, "এবং মূল দিয়ে মাটি থেকে পানি শোষণ করে।"),
        (
            TEACHER,
            68,
            "আলোর শক্তি ব্যবহার করে উদ্ভিদ কার্বন ডাই অক্সাইড ও পানি থেকে গ্লুকোজ ও অক্সিজেন তৈরি করে।",
        ),
        (TEACHER, 78, "অক্সিজেন উপজাত হিসেবে বাতাসে বেরিয়ে যায়।"),
        (
            TEACHER,
            84,
            "সালোকসংশ্লেষণের হার আলোর তীব্রতা, কার্বন ডাই অক্সাইডের পরিমাণ এবং তাপমাত্রার উপর নির্ভর করে।",
        ),
        (TEACHER, 95, "আলোর তীব্রতা বাড়ালে সালোকসংশ্লেষণের হার বাড়ে।"),
        (TEACHER, 101, "উদ্ভিদ গ্লুকোজ দিয়ে কোষপ্রাচীরের সেলুলোজ আর সঞ্চয়ের জন্য শ্বেতসার তৈরি করে।"),
        ("রিয়া", 110, "আচ্ছা, বুঝেছি।"),
        (TEACHER, 115, "আজকের বাড়ির কাজ: বইয়ের ষষ্ঠ অধ্যায় পড়ে এক থেকে পাঁচ নম্বর প্রশ্নের উত্তর লিখবে।"),
        (TEACHER, 124, "শুক্রবারের মধ্যে খাতা জমা দাও।"),
        (TEACHER, 130, "পাতার ছবি আঁকার সময় ক্লোরোপ্লাস্ট আর পত্ররন্ধ্র চিহ্নিত করতে মনে রেখো।"),
        (TEACHER, 138, "সবাইকে ধন্যবাদ, পরের ক্লাসে দেখা হবে।"),
    ]
)
BENGALI_ACTIONS = [
    (
        "আজকের বাড়ির কাজ: বইয়ের ষষ্ঠ অধ্যায় পড়ে এক থেকে পাঁচ নম্বর প্রশ্নের উত্তর লিখবে।",
        TEACHER,
        115,
    ),
    ("শুক্রবারের মধ্যে খাতা জমা দাও।", TEACHER, 124),
    ("পাতার ছবি আঁকার সময় ক্লোরোপ্লাস্ট আর পত্ররন্ধ্র চিহ্নিত করতে মনে রেখো।", TEACHER, 130),
]

# A class that asks nothing of anyone (questions and explanations only).
NO_ACTIONS = cues(
    [
        (TEACHER, 0, "Hello everyone, welcome back."),
        (TEACHER, 5, "Today we look at how volcanoes form along plate boundaries."),
        (TEACHER, 12, "Magma rises where oceanic plates sink beneath continental plates."),
        ("Ann A", 20, "Why does the magma rise?"),
        (TEACHER, 24, "Because molten rock is less dense than the solid rock around it."),
        (TEACHER, 33, "Volcanoes also form over hot spots, like the islands of Hawaii."),
        (TEACHER, 41, "We need to understand plate movement to see why volcanoes cluster."),
        (TEACHER, 50, "The Pacific Ring of Fire holds most of the world's active volcanoes."),
        (TEACHER, 58, "That is all for today. Thank you, goodbye."),
    ]
)
