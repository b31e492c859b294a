"""Duplicate rules, pure: is a new ticket a repeat call (重复来电) or one more caller (并单)?

Repeat: the same caller (phone) about the same matter within ``repeat_window`` — the same
subcategory, or a description at least ``repeat_similarity`` alike. The earlier ticket is linked
and the calls are counted; the ``third_call_count``-th call is flagged prominently. A repeat stays
its own ticket unless it is also a merge.

Merge: a different caller about one matter at one place within ``merge_window`` — the same
subcategory, the same place and descriptions at least ``merge_similarity`` alike. The place is
judged on the normalised place key first (estate + building [+ unit], ``places.key``): keys that
conflict are two places whatever else agrees (building 3 and building 7 of one estate are in one
grid and 80 metres apart); keys naming one building of one estate are one place however the
address was written (翠湖名苑7幢1单元, 翠湖名苑7号楼, 翠湖名苑七栋一单元301). Otherwise: within
``merge_distance_m`` when both have coordinates, else the same grid, else the same address text
(a key without its estate, "7-1-301", needs one of these to say it is the same estate). A master
is not joined when the new call's key conflicts with any of its callers'.
Extreme threats and police matters are never merged automatically: each one is handled. Nor are
consultations: each caller is answered on the call.

Text similarity compares what the problem is, not where: place words (号楼, 小区, 楼道, road and
community names…) and filler characters are dropped, common variants folded (煤气/天然气 → 燃气),
then the cosine of character unigrams and bigrams is averaged. Place is judged separately.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from pingan_intake.places.key import PlaceKey

# Each threat and police matter is handled on its own; each consultation is answered on its call.
NEVER_AUTO_MERGED_GROUPS = frozenset({"extreme_threat", "consultation"})
NEVER_AUTO_MERGED_DISPOSITIONS = frozenset({"police_transfer", "answer"})
# A ticket in these states can't take more callers: a new call after closing is a new ticket.
NOT_A_MASTER_STATUSES = frozenset({"merged", "closed"})


@dataclass(frozen=True)
class DuplicateRules:
    """The windows and thresholds; the service reads them from IntakeSettings."""

    repeat_window: timedelta = timedelta(days=30)
    third_call_count: int = 3
    # Same caller, different subcategory: the texts must be this alike to be one matter.
    repeat_similarity: float = 0.45
    merge_window: timedelta = timedelta(hours=6)
    merge_distance_m: float = 300.0
    merge_similarity: float = 0.2


@dataclass(frozen=True)
class Matter:
    """What the duplicate rules read from a ticket."""

    id: UUID
    description: str
    category_group: str
    category_code: str | None
    dispositions: tuple[str, ...]
    caller_phone: str | None
    grid_code: str | None
    address: str | None
    lon: float | None
    lat: float | None
    registered_at: datetime
    status: str = "registered"
    master_id: UUID | None = None
    # Where the registration gate looks for other callers; the rules judge the place themselves.
    township_code: str | None = None
    # The normalised place key (estate|building|unit), when the address names one.
    place_key: str | None = None


@dataclass(frozen=True)
class MergeMatch:
    master_id: UUID
    similarity: float
    place: str  # how the places agree, in words, for the operator and the event

    def reason(self, label: str) -> str:
        return f"同类事项（{label}），{self.place}，描述相似度 {self.similarity:.2f}"


# --- text ---------------------------------------------------------------------------------------

# Variants callers use for one thing, folded to one spelling (longest first where they overlap).
_VARIANTS: tuple[tuple[str, str], ...] = (
    ("天然气", "燃气"),
    ("液化气", "燃气"),
    ("煤气", "燃气"),
    ("泄露", "泄漏"),
    ("漏气", "泄漏"),
    ("跑气", "泄漏"),
    ("味道", "气味"),
    ("异味", "气味"),
    ("臭味", "气味"),
    ("不亮", "坏"),
    ("熄灭", "坏"),
    ("损坏", "坏"),
    ("堵死", "堵"),
    ("堵塞", "堵"),
    ("堵住", "堵"),
    ("很吵", "噪音"),
    ("吵闹", "噪音"),
    ("噪声", "噪音"),
    ("没水", "停水"),
    ("断水", "停水"),
    ("没电", "停电"),
    ("断电", "停电"),
    ("冒烟", "起火"),
    ("着火", "起火"),
    ("失火", "起火"),
    ("摆摊", "占道"),
    ("摊贩", "占道"),
)
# Where, not what: the place is compared on its own, and shared place words would otherwise make
# two different problems in one building look alike.
_PLACE_WORDS = re.compile(
    r"\d+(?:-\d+)+"  # 7-1-301
    r"|[0-9一二三四五六七八九十]+(?:号楼|栋|幢|单元|室|号|楼|层|组)"
    # Named places (人民路, 幸福小区); not 路灯, 路面, 街道办 — those name the problem.
    r"|[\u4e00-\u9fff]{2,4}?(?:小区|社区|村|路|街|巷|弄|广场|公园|大厦|花园|新村)(?![灯面口边段道])"
    r"|小区|社区"
    r"|楼道|楼梯|楼下|楼上|楼里|楼顶|门口|路口|路边|附近|旁边|对面|隔壁|周边|这边|那边"
    r"|[东南西北]门|[东南西北]侧"
)
_NOT_WORD = re.compile(r"[^\w]|_")
_FILLER = frozenset(
    "的了吗呢啊呀吧哦嘛么我你他她它们在是有这那就都很也还又要请把被给和与及或说想个里"
)


def problem_text(text: str) -> str:
    """The description reduced to the words about the problem."""
    folded = text
    for variant, canonical in _VARIANTS:
        folded = folded.replace(variant, canonical)
    folded = _PLACE_WORDS.sub(" ", folded)
    folded = _NOT_WORD.sub(" ", folded)
    return " ".join("".join(c for c in part if c not in _FILLER) for part in folded.split())


def _features(text: str) -> tuple[Counter[str], Counter[str]]:
    words = problem_text(text).split()
    unigrams = Counter(c for word in words for c in word)
    bigrams = Counter(word[i : i + 2] for word in words for i in range(len(word) - 1))
    return unigrams, bigrams


def _cosine(a: Counter[str], b: Counter[str]) -> float:
    dot = sum(a[key] * b[key] for key in a.keys() & b.keys())
    if not dot:
        return 0.0
    norm = math.sqrt(sum(v * v for v in a.values())) * math.sqrt(sum(v * v for v in b.values()))
    return dot / norm


def text_similarity(a: str, b: str) -> float:
    """0 (nothing in common) … 1 (the same problem words)."""
    unigrams_a, bigrams_a = _features(a)
    unigrams_b, bigrams_b = _features(b)
    return (_cosine(unigrams_a, unigrams_b) + _cosine(bigrams_a, bigrams_b)) / 2


# --- place --------------------------------------------------------------------------------------

_EARTH_RADIUS_M = 6_371_000.0


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance (haversine), precise enough at a few hundred metres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi = phi2 - phi1
    d_lambda = math.radians(lon2 - lon1)
    h = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * _EARTH_RADIUS_M * math.asin(math.sqrt(h))


def _normalised_address(address: str | None) -> str:
    return _NOT_WORD.sub("", address or "")


def keys_conflict(a: Matter, b: Matter) -> bool:
    """Both addresses name a place and some part differs: two places."""
    key_a, key_b = PlaceKey.from_text(a.place_key), PlaceKey.from_text(b.place_key)
    return key_a is not None and key_b is not None and key_a.conflicts_with(key_b)


def same_place(a: Matter, b: Matter, max_distance_m: float) -> str | None:
    """How the two places agree, or None. The place keys first: conflicting keys are two
    places. Coordinates, when both have them, outrank the grid: a grid may cover a whole
    village, and two smells a kilometre apart are two leaks."""
    key_a, key_b = PlaceKey.from_text(a.place_key), PlaceKey.from_text(b.place_key)
    if key_a is not None and key_b is not None:
        if key_a.conflicts_with(key_b):
            return None
        if key_a.same_building(key_b) and key_a.same_estate(key_b):
            near = _near(a, b, max_distance_m)
            return None if near is None else f"同一楼栋（{_finer(key_a, key_b).describe()}）"
    located = _located_alike(a, b, max_distance_m)
    if located is None or key_a is None or key_b is None or not key_a.same_building(key_b):
        return located
    return f"{located}，同一楼栋号（{_finer(key_a, key_b).describe()}）"


def _finer(a: PlaceKey, b: PlaceKey) -> PlaceKey:
    """The key that says more (with its estate and unit), for the words shown."""
    return PlaceKey(a.estate or b.estate, a.building or b.building, a.unit or b.unit)


def _near(a: Matter, b: Matter, max_distance_m: float) -> str | None:
    """Coordinates, when both have them, must be near; "" when they can't say."""
    if a.lon is not None and a.lat is not None and b.lon is not None and b.lat is not None:
        metres = distance_m(a.lon, a.lat, b.lon, b.lat)
        return f"相距约 {metres:.0f} 米" if metres <= max_distance_m else None
    return ""


def _located_alike(a: Matter, b: Matter, max_distance_m: float) -> str | None:
    near = _near(a, b, max_distance_m)
    if near != "":
        return near
    if a.grid_code and a.grid_code == b.grid_code:
        return "同一网格"
    address = _normalised_address(a.address)
    if address and address == _normalised_address(b.address):
        return "同一地址"
    return None


# --- decisions ----------------------------------------------------------------------------------


def auto_merge_excluded(matter: Matter) -> bool:
    """Threats, police matters, consultations: every call is its own ticket."""
    return matter.category_group in NEVER_AUTO_MERGED_GROUPS or bool(
        NEVER_AUTO_MERGED_DISPOSITIONS.intersection(matter.dispositions)
    )


def same_caller(a: Matter, b: Matter) -> bool:
    return bool(a.caller_phone) and a.caller_phone == b.caller_phone


def merge_match(
    new: Matter, candidate: Matter, master: Matter, rules: DuplicateRules
) -> MergeMatch | None:
    """Does ``new`` join ``master``'s matter, judged against ``candidate`` (the master itself or
    a ticket already merged into it)?"""
    if auto_merge_excluded(new) or auto_merge_excluded(master):
        return None
    if master.status in NOT_A_MASTER_STATUSES or master.master_id is not None:
        return None
    if new.category_code is None or new.category_code != candidate.category_code:
        return None
    if candidate.category_code != master.category_code:
        return None
    if same_caller(new, master):
        return None  # the master's own caller again: a repeat call, not another caller
    if not _within(new.registered_at, candidate.registered_at, rules.merge_window):
        return None
    place = same_place(new, candidate, rules.merge_distance_m)
    if place is None:
        return None
    similarity = text_similarity(new.description, candidate.description)
    if similarity < rules.merge_similarity:
        return None
    return MergeMatch(master_id=master.id, similarity=similarity, place=place)


def best_merge(
    new: Matter, candidates: list[Matter], masters: dict[UUID, Matter], rules: DuplicateRules
) -> MergeMatch | None:
    """The most similar qualifying matter; ties go to the oldest master (first received). A
    master none of whose callers' places conflicts with the new call's: a call from building 7
    does not join building 3's leak through a caller who named only the estate."""
    conflicting = {
        c.master_id or c.id for c in [*candidates, *masters.values()] if keys_conflict(new, c)
    }
    matches = []
    for candidate in candidates:
        master = masters.get(candidate.master_id or candidate.id)
        if master is None or candidate.id == new.id or master.id in conflicting:
            continue
        match = merge_match(new, candidate, master, rules)
        if match is not None:
            matches.append((match, master.registered_at))
    if not matches:
        return None
    return max(matches, key=lambda pair: (pair[0].similarity, -pair[1].timestamp()))[0]


def is_repeat_of(new: Matter, earlier: Matter, rules: DuplicateRules) -> bool:
    """The same caller about the same matter, within the repeat window."""
    if not same_caller(new, earlier) or new.id == earlier.id:
        return False
    if not _within(new.registered_at, earlier.registered_at, rules.repeat_window):
        return False
    if new.category_code is not None and new.category_code == earlier.category_code:
        return True
    return text_similarity(new.description, earlier.description) >= rules.repeat_similarity


def repeat_flag(repeat_count: int, rules: DuplicateRules) -> str | None:
    """``third_call`` from the third call on (shown prominently), ``repeat`` for the second."""
    if repeat_count >= rules.third_call_count:
        return "third_call"
    if repeat_count >= 2:
        return "repeat"
    return None


def _within(a: datetime, b: datetime, window: timedelta) -> bool:
    # Either order: under concurrency the ticket seen first may carry the later timestamp.
    return abs(a - b) <= window
