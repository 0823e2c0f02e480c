"""The rows of a database that has lived (see bench.seed): tips through the workflow, their events,
verifications, rewards, messages and audit trail, reporters' chat states, units and their figures.

Every sealed field is sealed for real, under a data key of its own wrapped by the key ring, with
the associated data of its own row, so whatever the benchmark opens opens as the bot's own would.
"""

from __future__ import annotations

import json
import random
import secrets
from datetime import date, timedelta

from bench.harness import DESCRIPTION
from core import crypto, receipts, taxonomy
from core.audit import GENESIS, AuditEntry, entry_hash
from core.casework import Verification, next_due
from core.crypto import KeyRing
from core.liaisons import Contact
from core.office import OfficeConfig
from core.rewards import PayMethod
from core.tips import FINISHED, Status, format_tip_number
from storage.dialogue import AAD_VERSION, message_aad

S = Status
YEARS = 3  # tips arrive evenly over the last three years
ADMIN = 8_400_000_007  # who "worked" the seeded tips (bench.growth adds this member as the admin)
FIRST_CHAT = 6_000_000_000  # reporters' chats: FIRST_CHAT + n

#: (age in days below which, ((status, weight), …)): young tips are being worked, old ones mostly closed.
_BY_AGE = (
    (5, ((S.RECEIVED, 70), (S.ACCEPTED, 30))),
    (75, ((S.ACCEPTED, 45), (S.VERIFIED, 15), (S.REPLIED, 10), (S.UNDER_REVIEW, 2), (S.CLOSED, 10),
          (S.NOT_ACCEPTED, 10), (S.WITHDRAWN, 4), (S.MERGED, 2), (S.RECEIVED, 2))),
    (10**6, ((S.CLOSED, 78), (S.NOT_ACCEPTED, 10), (S.WITHDRAWN, 4), (S.MERGED, 3), (S.ACCEPTED, 2),
             (S.VERIFIED, 1), (S.REPLIED, 1), (S.UNDER_REVIEW, 1))),
)  # fmt: skip
#: The statuses a tip went through after 已接收 to reach its status.
_PATHS = {
    S.RECEIVED: (), S.ACCEPTED: (S.ACCEPTED,), S.VERIFIED: (S.ACCEPTED, S.VERIFIED),
    S.REPLIED: (S.ACCEPTED, S.VERIFIED, S.REPLIED), S.UNDER_REVIEW: (S.ACCEPTED, S.VERIFIED, S.REPLIED, S.UNDER_REVIEW),
    S.CLOSED: (S.ACCEPTED, S.VERIFIED, S.REPLIED, S.CLOSED), S.NOT_ACCEPTED: (S.NOT_ACCEPTED,),
    S.WITHDRAWN: (S.ACCEPTED, S.WITHDRAWN), S.MERGED: (S.MERGED,),
}  # fmt: skip
#: Days each step took (low, high) and the audit log's name for it.
_GAPS = {S.ACCEPTED: (1, 5), S.VERIFIED: (5, 60), S.REPLIED: (1, 10), S.UNDER_REVIEW: (1, 10), S.CLOSED: (11, 15),
         S.NOT_ACCEPTED: (1, 5), S.WITHDRAWN: (1, 20), S.MERGED: (1, 5)}  # fmt: skip
_ACTIONS = {S.ACCEPTED: "tip.accept", S.VERIFIED: "tip.verify", S.REPLIED: "tip.reply", S.CLOSED: "tip.close",
            S.UNDER_REVIEW: "tip.objection", S.NOT_ACCEPTED: "tip.not_accept", S.WITHDRAWN: "tip.withdraw",
            S.MERGED: "tip.merge"}  # fmt: skip
_SITES = ("西山村红星化工厂，西山路 18 号", "东平社区农贸市场二楼", "南河村砖厂", "镇北工业园 3 号仓库")
_SUFFIX = {"village": "村", "community": "社区", "department": "站"}
_CONTACT = Contact(head="张书记", head_title="村支书", head_phone="13800000001", name="李会计", title="会计",
                   phone="13800000002").model_dump_json()  # fmt: skip

#: The seeded tables and the columns their rows give (named: later migrations may add columns).
COLUMNS = {
    "data_keys": "id, purpose, kek_id, wrapped, created_on",
    "tips": "id, number, year, seq, kind, industry, village, department, involves_death, status, received_on,"
    " accept_due, has_identity, wants_push, dek_id, content, identity_dek_id, identity, contact_dek_id, contact,"
    " receipt_hash, draft_hash, due_on, merged_into",
    "tip_events": "id, tip_id, on_date, status",
    "tip_messages": "id, tip_id, uid, on_date, sender, kind, aad_version, body",
    "verifications": "tip_id, on_date, outcome, problems, measures, fine_fen, recorded_by",
    "rewards": "id, tip_id, state, rule_set, suggested_fen, amount_fen, explanation, refusal, decided_on, decided_by,"
    " approved_on, approved_by, notified_on, claim_due, claim_method, claimed_on, payee_dek_id, payee,"
    " claim_code_hash, claim_code_used_on, paid_on, paid_fen, paid_method, paid_ref",
    "audit_log": "id, at, actor, action, tip, detail, prev_hash, hash",
    "chat_language": "chat_hash, lang",
    "units": "id, name, kind, active, added_on",
    "liaisons": "id, unit_id, user_id, lang, contact, since, until",
    "figure_reports": "id, unit_id, period, template, version, figures, submitted_by, submitted_at, late",
}
_NAMES = {table: [c.strip() for c in columns.split(",")] for table, columns in COLUMNS.items()}


class Rows:
    """The rows of each table of COLUMNS, as tuples in its column order; ids are given in order."""

    def __init__(self, ring: KeyRing, config: OfficeConfig, today: date, rng: random.Random):
        self.ring, self.office, self.today, self.rng = ring, config, today, rng
        self.tables: dict[str, list[tuple]] = {name: [] for name in COLUMNS}
        self._hash = GENESIS
        self._audit_key = ring.derived_key("audit")
        self._receipt = receipts.hash_code(receipts.new_code())  # one real scrypt hash for every tip

    def add(self, table: str, **values: object) -> int:
        """Append a row (columns not given are NULL); returns its id, the next one unless given."""
        rows = self.tables[table]
        values.setdefault("id", len(rows) + 1)
        rows.append(tuple(values.get(name) for name in _NAMES[table]))
        return int(values["id"])

    def key(self, purpose: str, day: date) -> tuple[int, bytes]:
        """A data key of its own, wrapped by the ring's primary key of the purpose."""
        dek, wrapped = crypto.new_data_key(self.ring, purpose)
        return self.add("data_keys", purpose=purpose, kek_id=wrapped.kek_id, wrapped=wrapped.wrapped,
                        created_on=day.isoformat()), dek  # fmt: skip

    def audit(self, on: date, action: str, tip: str) -> None:
        entry = AuditEntry(
            len(self.tables["audit_log"]) + 1, f"{on.isoformat()}T10:00:00+08:00", ADMIN, action, tip, ""
        )
        digest = entry_hash(self._audit_key, self._hash, entry)
        self.add("audit_log", id=entry.id, at=entry.at, actor=ADMIN, action=action, tip=tip, detail="",
                 prev_hash=self._hash, hash=digest)  # fmt: skip
        self._hash = digest

    # -- tips ------------------------------------------------------------------------------------

    def tips(self, count: int) -> None:
        days = sorted(self.today - timedelta(days=self.rng.randrange(YEARS * 365)) for _ in range(count))
        seqs: dict[int, int] = {}
        for received in days:
            seqs[received.year] = seqs.get(received.year, 0) + 1
            self.tip(received, seqs[received.year])

    def _path(self, received: date) -> list[tuple[Status, date]]:
        """The statuses the tip went through, with their dates; the last is where it is now."""
        age = (self.today - received).days
        choices = next(pool for limit, pool in _BY_AGE if age < limit)
        status = self.rng.choices([s for s, _ in choices], [w for _, w in choices])[0]
        path, on = [(S.RECEIVED, received)], received
        for step in _PATHS[status]:
            on = min(self.today, on + timedelta(days=self.rng.randint(*_GAPS[step])))
            path.append((step, on))
        return path

    def tip(self, received: date, seq: int) -> None:
        rng, number = self.rng, format_tip_number(received.year, seq)
        tip_id = len(self.tables["tips"]) + 1
        kind = rng.choices(["hazard", "illegal", "concealed", "other"], [45, 30, 5, 20])[0]
        industry = rng.choice(taxonomy.INDUSTRIES).code
        path = self._path(received)
        status, push, due = path[-1][0], rng.random() < 0.3, next_due(path[-1][0], path[-1][1], self.office.deadlines)
        dek_id, dek = self.key(crypto.CONTENT, received)
        content = {"reporter_type": rng.choice(["public", "employee", "other"]), "site": rng.choice(_SITES),
                   "description": DESCRIPTION}  # fmt: skip
        identity_id, identity = self._sealed(crypto.IDENTITY, number, "identity", received, rng.random() < 0.1,
                                             {"name": "赵建国", "phone": "13812345678"})  # fmt: skip
        contact_id, contact = self._sealed(crypto.CONTACT, number, "contact", received,
                                           push and status not in FINISHED, FIRST_CHAT + tip_id)  # fmt: skip
        self.add(
            "tips", number=number, year=received.year, seq=seq, kind=kind, industry=industry,
            village=rng.choice([*(v.code for v in self.office.villages), None]),
            department=self.office.route(industry).code, involves_death=int(kind == "concealed" and rng.random() < 0.3),
            status=status.value, received_on=received.isoformat(),
            accept_due=(received + timedelta(days=self.office.deadlines.accept_days)).isoformat(),
            has_identity=int(identity is not None), wants_push=int(push), dek_id=dek_id,
            content=crypto.seal(dek, json.dumps(content, ensure_ascii=False).encode(),
                                crypto.field_aad("tips", number, "content")),
            identity_dek_id=identity_id, identity=identity, contact_dek_id=contact_id, contact=contact,
            receipt_hash=self._receipt, due_on=due.isoformat() if due else None,
            merged_into=self.tables["tips"][-1][1] if status == S.MERGED and self.tables["tips"] else None,
        )  # fmt: skip
        self._history(tip_id, number, dek, path)

    def _sealed(self, purpose: str, number: str, field: str, day: date, present: bool, value: object) -> tuple:
        """(data key id, sealed value) of a field with its own key, or (None, None) if absent."""
        if not present:
            return None, None
        dek_id, dek = self.key(purpose, day)
        aad = crypto.field_aad("tips", number, field)
        return dek_id, crypto.seal(dek, json.dumps(value, ensure_ascii=False).encode(), aad)

    def _history(self, tip_id: int, number: str, dek: bytes, path: list[tuple[Status, date]]) -> None:
        """Events, the audit trail, a verification (and reward) where the path reached one, a message."""
        for status, on in path:
            self.add("tip_events", tip_id=tip_id, on_date=on.isoformat(), status=status.value)
            if status != S.RECEIVED:
                self.audit(on, _ACTIONS[status], number)
        last = path[-1][1]
        self.audit(last, "tip.view", number)
        reached = dict(path)
        if S.VERIFIED in reached:
            self._verification(tip_id, reached)
        if self.rng.random() < 0.1:
            uid = secrets.token_hex(8)
            aad = message_aad(number, uid, "office", "question", last.isoformat())  # as the bot seals it now
            self.add("tip_messages", tip_id=tip_id, uid=uid, on_date=last.isoformat(), sender="office",
                     kind="question", aad_version=AAD_VERSION,
                     body=crypto.seal(dek, "请补充储罐区的照片。".encode(), aad))  # fmt: skip

    def _verification(self, tip_id: int, reached: dict[Status, date]) -> None:
        rng = self.rng
        outcome = rng.choices(["true", "partly", "false"], [50, 30, 20])[0]
        fine = rng.choice([0, 0, 500_000, 2_000_000, 10_000_000]) if outcome != "false" else 0
        found = Verification(  # the model's own rules: no problems if false, a fine only with 罚款
            outcome=outcome, fine_fen=fine,
            problems=tuple(rng.sample([t.code for t in taxonomy.PROBLEM_CLASSES], 2)) if outcome != "false" else (),
            measures=(("rectify", "fine") if fine else ("rectify",)) if outcome != "false" else (),
        )  # fmt: skip
        self.add("verifications", tip_id=tip_id, on_date=reached[S.VERIFIED].isoformat(), outcome=outcome,
                 problems=",".join(found.problems), measures=",".join(found.measures), fine_fen=fine,
                 recorded_by=ADMIN)  # fmt: skip
        closed = reached.get(S.CLOSED)
        if closed is not None and found.substantiated and rng.random() < 0.15:
            self._reward(tip_id, closed, max(50_000, fine * 15 // 100))

    def _reward(self, tip_id: int, decided: date, amount: int) -> None:
        paid_on = decided + timedelta(days=30)
        paid = paid_on <= self.today
        self.add(
            "rewards", tip_id=tip_id, state="paid" if paid else "notified", rule_set="national",
            suggested_fen=amount, amount_fen=amount, explanation="罚款 × 15%", decided_on=decided.isoformat(),
            decided_by=ADMIN, approved_on=decided.isoformat(), approved_by=ADMIN, notified_on=decided.isoformat(),
            claim_due=(decided + timedelta(days=60)).isoformat(), claim_method="in_person" if paid else None,
            claimed_on=paid_on.isoformat() if paid else None, paid_on=paid_on.isoformat() if paid else None,
            paid_fen=amount if paid else None, paid_method=PayMethod.CASH.value if paid else None,
        )  # fmt: skip

    # -- chats and units -------------------------------------------------------------------------

    def chats(self, count: int) -> None:
        """What the persistence leaves of a reporter's chat once its conversation has ended: nothing,
        or the language it chose (one in ten chose English). No chat_state row: those are live only."""
        for index in range(0, count, 10):
            self.add("chat_language", chat_hash=self.ring.lookup_hash("chat", FIRST_CHAT + index), lang="en")

    def units(self, count: int) -> None:
        """Units with a current liaison, and every month of the year so far reported (a few corrected)."""
        start = date(self.today.year, 1, 1)
        for unit_id in range(1, count + 1):
            kind = self.rng.choices(["village", "community", "department"], [70, 20, 10])[0]
            liaison = 8_500_000_000 + unit_id
            self.add("units", id=unit_id, name=f"{'东西南北'[unit_id % 4]}{unit_id:04d}{_SUFFIX[kind]}", kind=kind,
                     active=1, added_on=start.isoformat())  # fmt: skip
            self.add("liaisons", unit_id=unit_id, user_id=liaison, lang="zh", contact=_CONTACT,
                     since=start.isoformat())  # fmt: skip
            for month in range(1, self.today.month):
                if self.rng.random() < 0.95:
                    self._figures(unit_id, liaison, self.today.year, month)

    def _figures(self, unit_id: int, liaison: int, year: int, month: int) -> None:
        """The unit's figures for the month, sent in the first days of the next; one in ten corrected."""
        template, rng = self.office.figures.chosen, self.rng
        for version in (1, 2) if rng.random() < 0.1 else (1,):
            values = {c.code: rng.randint(0, 500_000) if c.kind == "money" else rng.randint(0, 40)
                      for c in template.columns if not c.ratio_of}  # fmt: skip
            if "enterprises" in values:
                values["enterprises"] = rng.randint(40, 300)
            sent = date(year + month // 12, month % 12 + 1, rng.randint(1, 5))
            self.add("figure_reports", unit_id=unit_id, period=f"{year}-{month:02d}", template=template.code,
                     version=version, figures=json.dumps(values, sort_keys=True), submitted_by=liaison,
                     submitted_at=f"{sent.isoformat()}T09:30:00+08:00",
                     late=int(sent.day > template.due_day))  # fmt: skip
