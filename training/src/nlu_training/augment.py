"""Entity-value augmentation: training copies whose entity values are drawn fresh for each label.

Bitext writes every order number, invoice number, name and amount from a handful of values (five
order numbers, all digits; every invoice `#` and five digits), so a model trained on it alone learns
those strings instead of the context around them and misses `A77821`, `ORD-20931` or `Priya Raman`
(training/data/challenge/README.md). An augmented copy keeps the utterance and its intent and puts
a value of another shape in each entity it can generate for; the originals stay in the data.

Only the train split is augmented, deterministically from the config's seed; dev and test are
never touched, so the checkpoint choice and the metrics still read the data as written.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import string
from collections.abc import Callable
from typing import Any

from .readers import Example

Generator = Callable[[random.Random], str]


def _digits(rng: random.Random, low: int, high: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(rng.randint(low, high)))


def _letters(rng: random.Random, low: int, high: int) -> str:
    return "".join(rng.choice(string.ascii_uppercase) for _ in range(rng.randint(low, high)))


def _mixed(rng: random.Random, n: int) -> str:
    """Letters and digits interleaved, at least one of each (an all-letter "order number" is a word)."""
    while True:
        value = "".join(rng.choice(string.ascii_uppercase + string.digits) for _ in range(n))
        if any(c.isdigit() for c in value) and any(c.isalpha() for c in value):
            return value


def _case(rng: random.Random, value: str) -> str:
    """Customers type identifiers in either case."""
    return value.lower() if rng.random() < 0.25 else value


def order_number(rng: random.Random) -> str:
    shape = rng.randrange(7)
    if shape == 0:
        return _digits(rng, 5, 14)
    if shape == 1:
        return "#" + _digits(rng, 4, 9)
    if shape == 2:
        return _case(rng, _letters(rng, 1, 3) + _digits(rng, 4, 10))
    if shape == 3:
        return _case(rng, _letters(rng, 1, 4) + "-" + _digits(rng, 3, 8))
    if shape == 4:
        return _case(rng, f"{_letters(rng, 2, 3)}-{_digits(rng, 4, 4)}-{_digits(rng, 3, 6)}")
    if shape == 5:
        return "-".join(_digits(rng, 2, 7) for _ in range(rng.randint(2, 3)))
    return _case(rng, _mixed(rng, rng.randint(6, 10)))


def invoice_number(rng: random.Random) -> str:
    shape = rng.randrange(5)
    if shape == 0:
        return "#" + _digits(rng, 3, 8)
    if shape == 1:
        return _case(rng, _letters(rng, 1, 3) + "-" + _digits(rng, 3, 8))
    if shape == 2:
        return _case(rng, f"{_letters(rng, 2, 3)}-{rng.randint(2015, 2030)}-{_digits(rng, 3, 5)}")
    if shape == 3:
        return _case(rng, _letters(rng, 2, 3) + _digits(rng, 4, 8))
    return _digits(rng, 5, 10)


def amount(rng: random.Random) -> str:
    """Digits only: Bitext keeps `$` and `dollars` outside the span, so the copy keeps them too."""
    value = rng.choice([rng.randint(1, 99), rng.randint(100, 999), rng.randint(1000, 25000)])
    whole = f"{value:,}" if rng.random() < 0.5 else str(value)  # 1,250 or 1250
    return whole if rng.random() < 0.5 else f"{whole}.{rng.randint(0, 99):02d}"


def _names(joined: str) -> tuple[str, ...]:
    return tuple(n.strip() for n in joined.split("|"))


# Names, cities and countries from many regions. None of them appears in the hand-written challenge
# sets (training/data/challenge), which measure whether the model learnt the context, not a list.
FIRST_NAMES = _names(
    "Aisha | Mateo | Chen | Olga | Tomasz | Amara | Hiroshi | Sofia | Rahul | Ingrid | Kwame | Elena | "
    "Dmitri | Fatima | Liam | Noor | Jun | Camila | Yusuf | Hannah | Arjun | Mei | Diego | Zanele | "
    "Pierre | Leila | Bjorn | Ana | Tariq | Grace | Kenji | Nadia | Samuel | Ewa | Omar | Isabela | "
    "Felix | Yara | Marco | Chiara"
)
LAST_NAMES = _names(
    "Haddad | Okafor | Lindqvist | Tanaka | Moreau | Novak | Mensah | Gupta | Rossi | Schmidt | "
    "Alvarez | Ivanova | Nakamura | Oyelaran | Petersen | Delgado | Kaur | Byrne | Sato | Mahlangu | "
    "Dubois | Yilmaz | Horvath | Castillo | Nguyen | Jensen | Mwangi | Fischer | Bianchi | Santos | "
    "Kim | Ortega | Ahmed | Walsh | Costa | Andersen | Fontaine | Banda | Hoffmann | Lee"
)
TITLES = ("Mr.", "Ms.", "Mrs.", "Dr.", "Mr", "Ms")
# About a third of the places are several words, so the model learns I- tags for them (Bitext's are one word).
CITIES = _names(
    "Lagos | Osaka | Lyon | Bergen | Porto | Cusco | Hanoi | Adelaide | Tbilisi | Nairobi | Leeds | "
    "Quito | Seville | Gdansk | Toronto | Austin | Marrakesh | Busan | Perth | Zurich | Naples | Cork | "
    "Denver | Lima | Oslo | Brno | Cebu | Accra | Cape Town | Buenos Aires | Mexico City | "
    "Kuala Lumpur | Tel Aviv | Rio de Janeiro | Le Mans | Los Angeles | San Diego | Hong Kong | "
    "New Delhi | Abu Dhabi | Ho Chi Minh City | Santo Domingo | Saint Petersburg | Belo Horizonte | "
    "Las Palmas | St. Louis | La Paz | Port Elizabeth"
)
COUNTRIES = _names(
    "Brazil | Japan | Nigeria | Poland | Portugal | Vietnam | Chile | Egypt | Norway | Ireland | "
    "Morocco | Peru | Greece | Indonesia | Ghana | Turkey | Colombia | Sweden | Thailand | Argentina | "
    "Austria | Denmark | Uruguay | Malaysia | India | South Africa | South Korea | United Kingdom | "
    "United States | Costa Rica | UK | UAE | Czech Republic | Saudi Arabia | Sri Lanka | "
    "Dominican Republic | El Salvador | Sierra Leone | Trinidad and Tobago | Bosnia and Herzegovina | "
    "United Arab Emirates | Hong Kong"
)


def person_name(rng: random.Random) -> str:
    shape = rng.randrange(3)
    last = rng.choice(LAST_NAMES)
    if shape == 0:
        return f"{rng.choice(TITLES)} {last}"
    if shape == 1:
        return f"{rng.choice(FIRST_NAMES)} {last}"
    return rng.choice(FIRST_NAMES)


def city(rng: random.Random) -> str:
    return rng.choice(CITIES)


def country(rng: random.Random) -> str:
    return rng.choice(COUNTRIES)


MAIL_DOMAINS = _names("gmail.com | outlook.com | yahoo.co.uk | proton.me | web.de | icloud.com | shop-mail.net")


def email(rng: random.Random) -> str:
    first, last = rng.choice(FIRST_NAMES).lower(), rng.choice(LAST_NAMES).lower()
    local = rng.choice([f"{first}.{last}", f"{first[0]}{last}", f"{first}{_digits(rng, 2, 4)}", f"{last}_{first}"])
    return f"{local}@{rng.choice(MAIL_DOMAINS)}"


def phone(rng: random.Random) -> str:
    shape = rng.randrange(4)
    if shape == 0:
        return f"+{rng.randint(1, 99)} {_digits(rng, 3, 3)} {_digits(rng, 3, 3)} {_digits(rng, 4, 4)}"
    if shape == 1:
        return f"({_digits(rng, 3, 3)}) {_digits(rng, 3, 3)}-{_digits(rng, 4, 4)}"
    if shape == 2:
        return f"0{_digits(rng, 4, 4)} {_digits(rng, 6, 6)}"
    return _digits(rng, 9, 11)


# The default model's labels, and the usual ones of other data, by name.
GENERATORS: dict[str, Generator] = {
    "order_id": order_number,
    "invoice_id": invoice_number,
    "refund_amount": amount,
    "person_name": person_name,
    "customer_name": person_name,
    "delivery_city": city,
    "delivery_country": country,
    "email": email,
    "phone": phone,
    "phone_number": phone,
}
# Other labels by their last word, as the runtime's normalisers read them (libs/nlu entity.normaliser.ts), so a
# model retrained on an operator's own transcripts (ticket_id, tracking_number, total_price) is augmented too. A
# `*_name` is left alone: a product_name is not a person's. Closed sets (account_type) have no generator.
SUFFIX_GENERATORS: tuple[tuple[re.Pattern[str], Generator], ...] = (
    (re.compile(r"(?:^|_)(?:id|number|no|code|ref|reference)$"), order_number),
    (re.compile(r"(?:^|_)(?:amount|price|cost|fee|total)$"), amount),
    (re.compile(r"(?:^|_)city$"), city),
    (re.compile(r"(?:^|_)country$"), country),
    (re.compile(r"(?:^|_)e?mail$"), email),
    (re.compile(r"(?:^|_)phone$"), phone),
)


def generator_for(label: str) -> Generator | None:
    """The generator for an entity label: by name, else by its last word, else None (the value is kept)."""
    if label in GENERATORS:
        return GENERATORS[label]
    return next((gen for pattern, gen in SUFFIX_GENERATORS if pattern.search(label)), None)


Lookup = Callable[[str], Generator | None]


def substitute(example: Example, rng: random.Random, generators: Lookup = generator_for) -> Example | None:
    """A copy of `example` with a generated value in every entity that has a generator, offsets moved
    to match; None when no entity has one (the copy would repeat the original)."""
    ents = sorted(example["entities"], key=lambda e: e["start"])
    if not any(generators(e["label"]) for e in ents):
        return None
    text: str = example["text"]
    out_text, out_ents, pos = "", [], 0
    for e in ents:
        out_text += text[pos : e["start"]]
        gen = generators(e["label"])
        value = gen(rng) if gen else text[e["start"] : e["end"]]
        start = len(out_text)
        out_text += value
        out_ents.append({"start": start, "end": len(out_text), "label": e["label"]})
        pos = e["end"]
    out_text += text[pos:]
    return {"text": out_text, "intent": example["intent"], "entities": out_ents}


# A label seen in few examples (Bitext: 51 countries, 74 cities, 78 amounts) gets more copies of each, so
# every generatable label has at least this many augmented examples when copies > 0.
MIN_COPIES_PER_LABEL = 300


def augment(examples: list[Example], copies: float, seed: int, generators: Lookup = generator_for) -> list[Example]:
    """Augmented copies (not the originals) for `examples`. An example with a generatable entity gets
    int(copies) copies plus one more with probability copies % 1, and more when its rarest generatable
    label would otherwise have fewer than MIN_COPIES_PER_LABEL copies. The same examples, copies and
    seed give the same copies."""
    if copies <= 0:
        return []
    per_label: dict[str, int] = {}
    for ex in examples:
        for label in {e["label"] for e in ex["entities"] if generators(e["label"])}:
            per_label[label] = per_label.get(label, 0) + 1
    rng = random.Random(f"{seed}:entity_augment")
    out: list[Example] = []
    for ex in examples:
        labels = {e["label"] for e in ex["entities"] if generators(e["label"])}
        if not labels:
            continue
        want = max([copies] + [MIN_COPIES_PER_LABEL / per_label[label] for label in labels])
        n = int(want) + (1 if rng.random() < want - int(want) else 0)
        for _ in range(n):
            copy = substitute(ex, rng, generators)
            if copy is not None:
                out.append(copy)
    return out


def summary(originals: list[Example], copies: list[Example]) -> dict[str, Any]:
    """Counts, and the sha256 of the copies: they are training data the data folders' hash does not cover
    (a change to a generator changes them), so it goes into the model's data hash (with_copies)."""
    labels: dict[str, int] = {}
    for ex in copies:
        for e in ex["entities"]:
            labels[e["label"]] = labels.get(e["label"], 0) + 1
    rows = "".join(json.dumps([c["text"], c["intent"], c["entities"]], ensure_ascii=False) + "\n" for c in copies)
    return {
        "originals": len(originals),
        "copies": len(copies),
        "entities_by_label": dict(sorted(labels.items())),
        "sha256": hashlib.sha256(rows.encode()).hexdigest(),
    }


def with_copies(data_sha: str, copies_sha: str, kind: str = "entity_augment") -> str:
    """The data hash of the folders plus their augmented copies of one kind."""
    return hashlib.sha256(f"{data_sha}:{kind}:{copies_sha}".encode()).hexdigest()


# Courtesy augmentation. Customers wrap a request in a greeting or a thank-you ("hi, I want to cancel order
# 12345", "where is my refund? thanks"), but Bitext never does (no train utterance starts with a greeting or
# says thanks), and a model that has also learnt `greet` and `thank_you` from the bare words could take the
# wrapper for the request. A courtesy copy puts one around an utterance and keeps its intent and entities.
COURTESY_PREFIXES = (
    "hi", "hi,", "Hi,", "hello", "hello,", "Hello!", "hey", "hey,", "hey there,", "hi there!", "hiya,",
    "good morning,", "Good morning.", "good afternoon,", "good evening,", "hi again,", "hello team,",
)  # fmt: skip
COURTESY_SUFFIXES = (
    "thanks", "thanks!", "thank you", ", thanks", ", thank you!", "thx", "ty", "please", "pls", "cheers",
    "thanks in advance", "thank you so much", "🙏", "appreciate it",
)  # fmt: skip
# Utterances that are themselves small talk get no wrapper ("hi, thanks" is neither intent), nor do ones of
# fewer than COURTESY_MIN_WORDS words: "hi ok" is a greeting, whatever "ok" alone is.
SMALL_TALK_INTENTS = frozenset({"greet", "goodbye", "thank_you", "bot_challenge", "affirm", "deny"})
COURTESY_MIN_WORDS = 3


def courtesy(example: Example, rng: random.Random) -> Example:
    """A copy of `example` with a greeting before it, a thank-you after it, or both; entities moved to match."""
    roll = rng.random()
    prefix = rng.choice(COURTESY_PREFIXES) + " " if roll < 0.7 else ""
    suffix = rng.choice(COURTESY_SUFFIXES) if roll >= 0.55 else ""
    text: str = example["text"]
    if suffix and not suffix.startswith(","):
        suffix = " " + suffix
    shift = len(prefix)
    ents = [{**e, "start": e["start"] + shift, "end": e["end"] + shift} for e in example["entities"]]
    return {"text": prefix + text + suffix, "intent": example["intent"], "entities": ents}


def courtesy_augment(examples: list[Example], rate: float, seed: int) -> list[Example]:
    """Courtesy copies (not the originals) of about `rate` of the examples that are not small talk and have at
    least COURTESY_MIN_WORDS words; the same examples, rate and seed give the same copies."""
    if rate <= 0:
        return []
    rng = random.Random(f"{seed}:courtesy_augment")
    return [
        courtesy(ex, rng)
        for ex in examples
        if rng.random() < rate
        and ex["intent"] not in SMALL_TALK_INTENTS
        and len(ex["text"].split()) >= COURTESY_MIN_WORDS
    ]
