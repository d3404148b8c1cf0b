"""Primary care co-commissioning: who decides each primary care function under each model.

Source: NHS England, *Next steps towards primary care co-commissioning* (November 2014), as
summarised in docs/domain.md section 4:

- three models: **greater involvement** (the CCG works with the NHS England area team on
  decisions, which stay NHS England's; no new governance), **joint commissioning** (a joint
  committee of the CCG and NHS England, under s13Z of the NHS Act 2006 and the Legislative
  Reform Order 2014/2436, decides), and **delegated commissioning** (the CCG decides; liability
  stays with NHS England);
- the functions covered under the joint and delegated models: GMS, PMS and APMS contract
  management (design of PMS and APMS contracts, monitoring, contractual action such as breach
  or remedial notices, removing a contract), newly designed enhanced services (local and
  directed), the design of local incentive schemes as an alternative to QOF, decisions to
  establish new GP practices, approving practice mergers, and discretionary payments (e.g.
  returner and retainer schemes);
- delegated commissioning cannot be taken function by function ("no cherry-picking"), and CCGs
  in a state akin to special measures were not supported for it;
- individual GP performance management (the performers list, appraisal and revalidation) is
  reserved to NHS England under every model.

Pure rules, no Django: ``decider(model, function)`` names the body whose decision it is and
``consulted`` the body that must be consulted first.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class Model(StrEnum):
    GREATER_INVOLVEMENT = "greater_involvement"
    JOINT = "joint"
    DELEGATED = "delegated"

    @property
    def label(self) -> str:
        return MODEL_LABELS[self]


MODEL_LABELS = {
    Model.GREATER_INVOLVEMENT: "Greater involvement",
    Model.JOINT: "Joint commissioning (joint committee)",
    Model.DELEGATED: "Delegated commissioning",
}


class Function(StrEnum):
    CONTRACT_DESIGN = "contract_design"
    CONTRACT_MONITORING = "contract_monitoring"
    CONTRACTUAL_ACTION = "contractual_action"
    CONTRACT_REMOVAL = "contract_removal"
    ENHANCED_SERVICES = "enhanced_services"
    LOCAL_INCENTIVE_SCHEMES = "local_incentive_schemes"
    NEW_PRACTICES = "new_practices"
    PRACTICE_MERGERS = "practice_mergers"
    DISCRETIONARY_PAYMENTS = "discretionary_payments"
    GP_PERFORMANCE_MANAGEMENT = "gp_performance_management"

    @property
    def label(self) -> str:
        return FUNCTION_LABELS[self]


FUNCTION_LABELS = {
    Function.CONTRACT_DESIGN: "GMS/PMS/APMS contracts: design of PMS and APMS contracts",
    Function.CONTRACT_MONITORING: "GMS/PMS/APMS contracts: monitoring",
    Function.CONTRACTUAL_ACTION: "GMS/PMS/APMS contracts: contractual action (breach or "
    "remedial notices)",
    Function.CONTRACT_REMOVAL: "GMS/PMS/APMS contracts: removing a contract",
    Function.ENHANCED_SERVICES: "Newly designed enhanced services (local and directed)",
    Function.LOCAL_INCENTIVE_SCHEMES: "Local incentive schemes as an alternative to QOF",
    Function.NEW_PRACTICES: "Establishing new GP practices",
    Function.PRACTICE_MERGERS: "Approving practice mergers",
    Function.DISCRETIONARY_PAYMENTS: "Discretionary payments (e.g. returner and retainer schemes)",
    Function.GP_PERFORMANCE_MANAGEMENT: "Individual GP performance management (performers "
    "list, appraisal, revalidation)",
}

RESERVED = frozenset({Function.GP_PERFORMANCE_MANAGEMENT})  # always NHS England's
SHAREABLE = frozenset(Function) - RESERVED  # the functions the joint and delegated models cover


class Body(StrEnum):
    COMMISSIONER = "commissioner"  # the CCG / integrated care board
    JOINT_COMMITTEE = "joint_committee"
    NHS_ENGLAND = "nhs_england"

    @property
    def label(self) -> str:
        return BODY_LABELS[self]


BODY_LABELS = {
    Body.COMMISSIONER: "the integrated care board (formerly CCG)",
    Body.JOINT_COMMITTEE: "the joint committee",
    Body.NHS_ENGLAND: "NHS England",
}


def decider(model: Model, function: Function, covered: Iterable[Function] = SHAREABLE) -> Body:
    """The body whose decision a primary care function is under a co-commissioning model.
    A joint committee decides only the functions its arrangement covers; the rest stay with
    NHS England."""
    if function in RESERVED:
        return Body.NHS_ENGLAND
    if model is Model.JOINT and function not in frozenset(covered):
        return Body.NHS_ENGLAND
    return {
        Model.DELEGATED: Body.COMMISSIONER,
        Model.JOINT: Body.JOINT_COMMITTEE,
        Model.GREATER_INVOLVEMENT: Body.NHS_ENGLAND,
    }[model]


def consulted(model: Model, function: Function) -> Body | None:
    """Under greater involvement NHS England decides with the commissioner's involvement: the
    commissioner is consulted. Reserved functions consult no one under this rule."""
    if model is Model.GREATER_INVOLVEMENT and function not in RESERVED:
        return Body.COMMISSIONER
    return None


def arrangement_problems(
    model: Model, functions: Iterable[Function], in_special_measures: bool
) -> dict[str, str]:
    """What is wrong with a proposed arrangement: delegation of only some functions (no
    cherry-picking), a reserved function included, or delegation to a commissioner in a state
    akin to special measures."""
    chosen = frozenset(functions)
    problems: dict[str, str] = {}
    if chosen & RESERVED:
        problems["functions"] = ("Individual GP performance management stays with NHS England "
                                 "under every model")  # fmt: skip
    elif model is Model.JOINT and not chosen:
        problems["functions"] = "Choose the functions the joint committee will decide"
    elif model is Model.DELEGATED and chosen != SHAREABLE:
        missing = ", ".join(f.label for f in Function if f in SHAREABLE - chosen)
        problems["functions"] = ("Delegated commissioning covers every primary care function "
                                 f"(no cherry-picking); missing: {missing}")  # fmt: skip
    if model is Model.DELEGATED and in_special_measures:
        problems["model"] = ("Delegated commissioning is not supported for a commissioner in a "
                             "state akin to special measures")  # fmt: skip
    return problems
