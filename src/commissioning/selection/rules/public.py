"""What the public register may say of a decision: nothing the commissioner has marked commercially
confidential (withheld, with the reason shown in its place), and no personal data.

Issue 20 asks for the public summary "without personal data or what the commissioner has marked
commercially confidential, with the reason". Two mechanisms, both applied where a notice is
written (``selection.services.notices.publish``), so every schedule, the register's pages, its
CSV and the OCDS releases read the same withheld and redacted text (docs/decisions.md 057):

- withholding: the commissioner may mark the award's value, or its own reasons for the decision,
  as commercially confidential when deciding, giving a reason; the notice then says "Withheld as
  commercially confidential" with the reason. What the regime's record needs (the process, the
  key criteria and their weights, the evidence behind direct award C and the justification,
  regulation 14's reasons) is never withheld;
- redaction: free text is published only after e-mail addresses, telephone numbers, NHS numbers
  (ten digits that pass the NHS number's check digit) and the names of the people who took part
  in the process are replaced by ``PERSONAL``. Who declared an interest or decided is never
  named in the first place (``rules.notices``); this catches what people wrote.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable

WITHHOLDABLE: dict[str, str] = {
    "value": "The value of the award and of the contract",
    "reasons": "Your reasons for the decision (the key criteria and their weights are still "
    "published)",
}
MIN_REASON_CHARS = 20
WITHHELD = "Withheld as commercially confidential"
PERSONAL = "[personal data withheld]"


def withholding_problems(withheld: Collection[str], reason: str) -> dict[str, str]:
    """Problems with marking ``withheld`` as commercially confidential for ``reason``."""
    found: dict[str, str] = {}
    unknown = sorted(set(withheld) - set(WITHHOLDABLE))
    if unknown:
        found["withheld"] = (
            f"Only {' and '.join(WITHHOLDABLE)} may be withheld, not {', '.join(unknown)}"
        )
    elif withheld and len(reason.strip()) < MIN_REASON_CHARS:
        found["withheld_reason"] = (
            "Say why it is commercially confidential, in a sentence: the register shows the "
            "reason in its place"
        )
    return found


def withheld_text(reason: str) -> str:
    return f"{WITHHELD}: {reason.strip().rstrip('.')}."


_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
# A UK telephone number: 0 or +44/0044, then 9 or 10 digits, spaces, dots, hyphens or brackets
# between them; not inside a longer run of digits, money or a date (2027-04-01 2028-03-31).
_PHONE = re.compile(
    r"(?<![\w£,\-])(?<!\d\.)"  # not inside a word, money, a date or a decimal
    r"(?:(?:\+|00)44\s?(?:\(0\)\s?)?|\(?0)"  # +44, 0044, (0...) or 0
    r"\d(?:[\s.\-)]{0,2}\d){8,9}(?!\d|[\-,.]\d)"
)
# Ten digits, as an NHS number is written: 943 476 5919, 943-476-5919, 943.476.5919.
_TEN_DIGITS = re.compile(r"(?<![\d,])(?<!\d\.)(\d{3})[ .\-]?(\d{3})[ .\-]?(\d{4})(?!\d|,\d)")


def nhs_number_valid(digits: str) -> bool:
    """Whether ten digits pass the NHS number's modulus 11 check digit."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(digits[9])


def redact(text: str, names: Iterable[str] = ()) -> str:
    """``text`` with e-mail addresses, telephone numbers, NHS numbers and the given people's
    names replaced by ``PERSONAL``."""
    if not text:
        return text
    out = _EMAIL.sub(PERSONAL, text)
    out = _TEN_DIGITS.sub(
        lambda m: PERSONAL if nhs_number_valid("".join(m.groups())) else m.group(0), out
    )
    out = _PHONE.sub(PERSONAL, out)
    for parts in sorted({tuple(n.split()) for n in names if len(n.split()) >= 2}, key=len,
                        reverse=True):  # fmt: skip
        # Any spacing or line break between the parts; either apostrophe; any case.
        pattern = r"\s+".join(re.sub("['’]", "['’]", re.escape(p)) for p in parts)
        out = re.sub(rf"(?<!\w){pattern}(?!\w)", PERSONAL, out, flags=re.IGNORECASE)
    return out
