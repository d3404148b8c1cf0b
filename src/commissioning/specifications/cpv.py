"""The CPV codes of relevant health care services: Schedule 1 to the Health Care Services
(Provider Selection Regime) Regulations 2023 (SI 2023/1348), as made, with the limits the
schedule puts on some of them. A specification names the most relevant one, which every notice
of the regime quotes (Schedules 2 to 15, "including the most relevant CPV code") and OCDS
publishes as the tender's classification (scheme "CPV").

Contains public sector information licensed under the Open Government Licence v3.0
(https://www.legislation.gov.uk/uksi/2023/1348/schedule/1/made).
"""

from __future__ import annotations

SCHEDULE_1: dict[str, str] = {
    "85100000-0": "Health services",
    "85110000-3": "Hospital and related services",
    "85111000-0": "Hospital services",
    "85111100-1": "Surgical hospital services",
    "85111200-2": "Medical hospital services",
    "85111300-3": "Gynaecological hospital services",
    "85111310-6": "In vitro fertilisation services",
    "85111320-9": "Obstetrical hospital services",
    "85111400-4": "Rehabilitation hospital services",
    "85111500-5": "Psychiatric hospital services",
    "85111600-6": "Orthotic services",
    "85111700-7": "Oxygen-therapy services",
    "85111800-8": "Pathology services",
    "85111810-1": "Blood analysis services",
    "85111820-4": "Bacteriological analysis services",
    "85111900-9": "Hospital dialysis services",
    "85112200-9": "Outpatient care services",
    "85120000-6": "Medical practice and related services",
    "85121000-3": "Medical practice services",
    "85121100-4": "General-practitioner services",
    "85121200-5": "Medical specialist services",
    "85121210-8": "Gynaecologic or obstetric services",
    "85121220-1": "Nephrology or nervous system specialist services",
    "85121230-4": "Cardiology services or pulmonary specialist services",
    "85121231-1": "Cardiology services",
    "85121232-8": "Pulmonary specialists services",
    "85121240-7": "ENT or audiologist services",
    "85121250-0": "Gastroenterologist and geriatric services",
    "85121251-7": "Gastroenterologist services",
    "85121252-4": "Geriatric services",
    "85121270-6": "Psychiatrist or psychologist services",
    "85121271-3": "Home for the psychologically disturbed services",
    "85121280-9": "Ophthalmologist, dermatology, or orthopaedics services",
    "85121281-6": "Ophthalmologist services",
    "85121282-3": "Dermatology services",
    "85121283-0": "Orthopaedic services",
    "85121290-2": "Paediatric or urologist services",
    "85121291-9": "Paediatric services",
    "85121292-6": "Urologist services",
    "85121300-6": "Surgical specialist services",
    "85130000-9": "Dental practice and related services",
    "85131000-6": "Dental-practice services",
    "85131100-7": "Orthodontic services",
    "85131110-0": "Orthodontic-surgery services",
    "85140000-2": "Miscellaneous health services",
    "85141000-9": "Services provided by medical personnel",
    "85141100-0": "Services provided by midwives",
    "85141200-1": "Services provided by nurses",
    "85141210-4": "Home medical treatment services",
    "85141211-1": "Dialysis home medical treatment services",
    "85141220-7": "Advisory services provided by nurses",
    "85142000-6": "Paramedical services",
    "85142100-7": "Physiotherapy services",
    "85143000-3": "Ambulance services",
    "85144000-0": "Residential health facilities services",
    "85144100-1": "Residential nursing care services",
    "85145000-7": "Services provided by medical laboratories",
    "85146000-4": "Services provided by blood banks",
    "85146100-5": "Services provided by sperm banks",
    "85146200-6": "Services provided by transplant organ banks",
    "85148000-8": "Medical analysis services",
    "85149000-5": "Pharmacy services, but not including community pharmacy services that are "
    "arranged under The National Health Service (Pharmaceutical and Local Pharmaceutical "
    "Services) Regulations 2013",
    "85150000-5": "Medical imaging services",
    "85160000-8": "Optician services",
    "85323000-9": "Community health services, but only in respect of community health services "
    "which are delivered to individuals",
    "85312330-1": "Family-planning services, but only insofar as such services are provided to "
    "individuals to support sexual and reproductive health",
    "85312500-4": "Rehabilitation services, but only insofar as such services are provided to "
    "individuals to tackle substance misuse or for the rehabilitation of the mental or physical "
    "health of individuals",
}
# The schedule's most general code: what a specification names until someone chooses.
GENERAL = "85100000-0"
CHOICES = [(code, f"{code} {label}") for code, label in SCHEDULE_1.items()]
