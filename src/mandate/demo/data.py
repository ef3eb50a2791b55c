"""Fixed inputs of the demo scenario: offices, hubs, directorates, grades, names and places.

The figures are illustrative, set from public sources where they exist: headcounts and desk ratios from the
ONS FOI replies quoted in the spec (40% desk capacity everywhere except Darlington at 20%), grade shares
shaped like the Civil Service Statistics for a specialist department, equality shares like the civil
service's (about 15% disabled, about a quarter with caring responsibilities), commute times skewed with a
long tail like Census 2021 TS058. Addresses are the public buildings' addresses, used for a fictional demo.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SiteSpec:
    code: str
    name: str
    kind: str  # "office" or "hub"
    nation: str  # key in the GOV.UK bank-holidays JSON
    address: str
    headcount: int  # staff whose home site this is, at 5,300 staff (hubs: none)
    desk_ratio: float  # desks as a share of headcount (hubs: desks at 5,300 staff)
    commute_median: float  # minutes one way, lognormal median
    commute_sigma: float
    postcodes: tuple[str, ...]  # postcode districts staff live in
    towns: tuple[str, ...]
    ethnic_minority_share: float
    headquarters: bool = False


SITES: tuple[SiteSpec, ...] = (
    SiteSpec("newport", "Newport", "office", "england-and-wales",
             "Government Buildings, Cardiff Road, Newport NP10 8XG", 2700, 0.40, 28, 0.60,
             ("NP10", "NP19", "NP20", "NP18", "NP44", "CF3", "CF5", "CF14", "CF23", "NP26", "NP4"),
             ("Newport", "Newport", "Cardiff", "Caerleon", "Cwmbran", "Caldicot", "Pontypool"), 0.06, True),
    SiteSpec("titchfield", "Titchfield", "office", "england-and-wales",
             "Segensworth Road, Titchfield, Fareham PO15 5RR", 1030, 0.40, 25, 0.60,
             ("PO15", "PO14", "PO16", "PO13", "SO31", "SO30", "PO7", "PO8", "SO19"),
             ("Fareham", "Fareham", "Gosport", "Southampton", "Portsmouth", "Locks Heath", "Waterlooville"), 0.05),
    SiteSpec("london", "London", "office", "england-and-wales",
             "1 Drummond Gate, Pimlico, London SW1V 2QQ", 510, 0.40, 52, 0.45,
             ("SW1V", "SE1", "SE15", "E14", "N7", "SW9", "CR0", "BR1", "KT2", "RM1", "SL1", "ME4"),
             ("London", "London", "London", "Croydon", "Bromley", "Kingston upon Thames", "Slough"), 0.32),
    SiteSpec("manchester", "Manchester", "office", "england-and-wales",
             "1 First Street, Manchester M15 4FN", 360, 0.40, 38, 0.55,
             ("M15", "M14", "M20", "M32", "SK4", "OL1", "BL1", "WA14", "M6"),
             ("Manchester", "Manchester", "Salford", "Stockport", "Oldham", "Bolton", "Altrincham"), 0.18),
    SiteSpec("edinburgh", "Edinburgh", "office", "scotland",
             "Queen Elizabeth House, 1 Sibbald Walk, Edinburgh EH8 8FT", 250, 0.40, 33, 0.55,
             ("EH8", "EH6", "EH11", "EH12", "EH16", "EH54", "KY11", "EH22"),
             ("Edinburgh", "Edinburgh", "Leith", "Livingston", "Dunfermline", "Dalkeith"), 0.05),
    SiteSpec("darlington", "Darlington", "office", "england-and-wales",
             "Feethams House, Darlington DL1 5QE", 450, 0.20, 27, 0.60,
             ("DL1", "DL3", "DL5", "TS18", "TS5", "DH1", "DL14", "TS23"),
             ("Darlington", "Darlington", "Newton Aycliffe", "Stockton-on-Tees", "Middlesbrough", "Durham"), 0.04),
    SiteSpec("cardiff-hub", "Cardiff hub", "hub", "england-and-wales",
             "Tŷ William Morgan, 6 Central Square, Cardiff CF10 1EP", 0, 45 / 5300, 0, 0, (), (), 0),
    SiteSpec("birmingham-hub", "Birmingham hub", "hub", "england-and-wales",
             "23 Stephenson Street, Birmingham B2 4BH", 0, 30 / 5300, 0, 0, (), (), 0),
)

# Grades, lowest first, with shares per office (a statistics department: fewer AA/AO than the civil service
# as a whole, more G7/SEO; Titchfield runs survey operations, London holds more senior staff).
GRADES = ("AA", "AO", "EO", "HEO", "SEO", "G7", "G6", "SCS")
GRADE_SHARES: dict[str, tuple[float, ...]] = {
    "newport": (0.03, 0.12, 0.18, 0.23, 0.19, 0.17, 0.065, 0.015),
    "titchfield": (0.06, 0.27, 0.25, 0.18, 0.12, 0.08, 0.03, 0.01),
    "london": (0.01, 0.04, 0.09, 0.20, 0.23, 0.26, 0.12, 0.05),
    "manchester": (0.02, 0.08, 0.16, 0.25, 0.22, 0.19, 0.07, 0.01),
    "edinburgh": (0.02, 0.09, 0.17, 0.25, 0.21, 0.18, 0.07, 0.01),
    "darlington": (0.02, 0.09, 0.17, 0.25, 0.22, 0.18, 0.06, 0.01),
}
# Probability of PCS / Prospect membership by grade (PCS organises AA-SEO; Prospect specialists SEO-G6).
PCS_WEIGHT = (1.0, 1.0, 0.9, 0.75, 0.35, 0.08, 0.02, 0.0)
PROSPECT_WEIGHT = (0.0, 0.0, 0.02, 0.08, 0.45, 0.75, 0.7, 0.1)

# Directorates and their business areas; each area is split into functions to make teams.
DIRECTORATES: dict[str, tuple[str, ...]] = {
    "Economic Statistics": (
        "Consumer Prices", "Producer Prices", "National Accounts", "Public Sector Finance", "Trade",
        "Business Investment", "Gross Domestic Product", "Regional Accounts", "Household Finance",
    ),
    "Labour Market and Households": ("Labour Market", "Labour Force Survey", "Earnings", "Productivity"),
    "Population and Public Policy": (
        "Census", "Population and Migration", "Health and Life Events", "Public Services Analysis",
        "Crime and Justice", "Well-being and Inequalities",
    ),
    "Survey Operations": ("Social Surveys", "Business Surveys", "Telephone Operations", "Field Operations"),
    "Methodology and Quality": ("Survey Methodology", "Statistical Methods", "Quality Assurance"),
    "Data Science Campus": ("Data Science", "Data Engineering"),
    "Digital Services and Technology": ("Platform Engineering", "Cyber Security", "Service Desk",
                                        "Software Development"),
    "Strategy, Communications and Corporate": ("Communications", "Finance", "People and Culture", "Estates",
                                               "Commercial", "Governance"),
}
FUNCTIONS = ("Production", "Development", "Analysis", "Quality and Dissemination", "Delivery")
# Which offices host each directorate (weights); unspecified offices host none of it.
DIRECTORATE_SITES: dict[str, dict[str, float]] = {
    "Economic Statistics": {"newport": 0.55, "london": 0.15, "darlington": 0.2, "manchester": 0.05,
                            "edinburgh": 0.05},
    "Labour Market and Households": {"newport": 0.5, "titchfield": 0.3, "manchester": 0.1, "darlington": 0.1},
    "Population and Public Policy": {"titchfield": 0.4, "newport": 0.3, "london": 0.1, "manchester": 0.1,
                                     "edinburgh": 0.1},
    "Survey Operations": {"titchfield": 0.75, "newport": 0.2, "manchester": 0.05},
    "Methodology and Quality": {"newport": 0.6, "london": 0.2, "titchfield": 0.2},
    "Data Science Campus": {"newport": 0.6, "london": 0.2, "manchester": 0.1, "edinburgh": 0.1},
    "Digital Services and Technology": {"newport": 0.6, "titchfield": 0.2, "manchester": 0.1, "darlington": 0.1},
    "Strategy, Communications and Corporate": {"newport": 0.6, "london": 0.3, "titchfield": 0.1},
}
# The union's job categories (s.226A lists): by directorate, with grade overrides.
JOB_CATEGORY = {
    "Economic Statistics": "Statistical and research",
    "Labour Market and Households": "Statistical and research",
    "Population and Public Policy": "Statistical and research",
    "Survey Operations": "Survey operations",
    "Methodology and Quality": "Methodology",
    "Data Science Campus": "Data science",
    "Digital Services and Technology": "Digital and technology",
    "Strategy, Communications and Corporate": "Corporate services",
}

FEMALE_NAMES = (
    "Olivia", "Amelia", "Isla", "Ava", "Emily", "Sophie", "Grace", "Mia", "Poppy", "Ella", "Lily", "Evie",
    "Charlotte", "Jessica", "Ruby", "Chloe", "Hannah", "Sarah", "Rebecca", "Laura", "Emma", "Rachel",
    "Claire", "Helen", "Nicola", "Karen", "Julie", "Joanne", "Susan", "Alison", "Catherine", "Elizabeth",
    "Margaret", "Gwen", "Rhian", "Sian", "Ffion", "Cerys", "Megan", "Bethan", "Eilidh", "Morag", "Fiona",
    "Kirsty", "Aisha", "Fatima", "Priya", "Anjali", "Zainab", "Amara", "Chidinma", "Grace", "Mei", "Ying",
    "Agnieszka", "Katarzyna", "Maria", "Ana", "Siobhan", "Niamh", "Tracey", "Donna", "Lisa", "Michelle",
    "Kelly", "Gemma", "Natalie", "Victoria", "Louise", "Amy", "Zoe", "Freya", "Harriet", "Imogen",
)
MALE_NAMES = (
    "Oliver", "George", "Noah", "Arthur", "Leo", "Harry", "Oscar", "Jack", "Charlie", "Thomas", "James",
    "William", "Daniel", "Matthew", "Joshua", "Samuel", "Benjamin", "Luke", "Adam", "Ryan", "David",
    "Michael", "Paul", "Mark", "Andrew", "Richard", "Stephen", "Peter", "Simon", "Christopher", "Gareth",
    "Rhys", "Dafydd", "Owain", "Ieuan", "Aled", "Callum", "Euan", "Fraser", "Hamish", "Alasdair",
    "Mohammed", "Ahmed", "Imran", "Ravi", "Sanjay", "Arjun", "Hassan", "Kwame", "Tunde", "Emeka", "Wei",
    "Jun", "Piotr", "Tomasz", "Marek", "Luca", "Diego", "Sean", "Ciaran", "Darren", "Lee", "Craig",
    "Wayne", "Gary", "Neil", "Ian", "Graham", "Kevin", "Alan", "Dominic", "Toby", "Alfie", "Kieran",
)
SURNAMES = (
    "Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas", "Johnson",
    "Roberts", "Robinson", "Thompson", "Wright", "Walker", "White", "Edwards", "Hughes", "Green", "Hall",
    "Lewis", "Harris", "Clarke", "Patel", "Jackson", "Wood", "Turner", "Martin", "Cooper", "Hill", "Ward",
    "Morris", "Moore", "Clark", "Lee", "King", "Baker", "Harrison", "Morgan", "Allen", "James", "Scott",
    "Phillips", "Watson", "Davis", "Parker", "Price", "Bennett", "Young", "Griffiths", "Mitchell", "Kelly",
    "Cook", "Carter", "Richardson", "Bailey", "Collins", "Bell", "Shaw", "Murphy", "Miller", "Cox",
    "Richards", "Khan", "Marshall", "Anderson", "Simpson", "Ellis", "Adams", "Singh", "Begum", "Wilkinson",
    "Foster", "Chapman", "Powell", "Webb", "Rogers", "Gray", "Mason", "Ali", "Hunt", "Hussain", "Campbell",
    "Matthews", "Owen", "Palmer", "Holmes", "Mills", "Barnes", "Knight", "Lloyd", "Butler", "Russell",
    "Barker", "Fisher", "Stevens", "Jenkins", "Murray", "Dixon", "Harvey", "Graham", "Pearson", "Ahmed",
    "Fletcher", "Walsh", "Kaur", "Gibson", "Howard", "Andrews", "Stewart", "Elliott", "Reynolds", "Saunders",
    "Payne", "Fox", "Ford", "Pritchard", "Rees", "Howells", "Powell", "Bowen", "Vaughan", "Llewellyn",
    "MacDonald", "Robertson", "Reid", "Ross", "Fraser", "Sutherland", "Okafor", "Adeyemi", "Mensah", "Chen",
    "Wang", "Nowak", "Kowalski", "Rossi", "Silva", "O'Brien", "O'Connor", "Doyle", "Brennan", "Shah",
    "Mistry", "Chowdhury", "Rahman", "Iqbal", "Nguyen", "Kaya", "Costa", "Byrne", "Quinn",
)
STREETS = (
    "High Street", "Station Road", "Church Lane", "Park Avenue", "Victoria Road", "Mill Lane", "Queen Street",
    "King's Road", "The Crescent", "Orchard Close", "Meadow Way", "Chapel Street", "Windsor Road",
    "Springfield Road", "Richmond Terrace", "Heol y Parc", "Ffordd y Brenin", "Beechwood Drive",
    "Oak Tree Close", "Manor Road", "Bridge Street", "Castle View", "Riverside", "Hillside Avenue",
    "Albert Road", "Elm Grove", "Cedar Court", "Grange Road", "Woodland Rise", "Harbour Road",
)
# Members outside Great Britain (s.232): home-based staff living in Northern Ireland or abroad.
OVERSEAS_ADDRESSES = (
    "14 Malone Avenue, Belfast BT9 6EU, Northern Ireland",
    "3 Strand Road, Derry BT48 7AB, Northern Ireland",
    "22 Clontarf Road, Dublin D03 K5W2, Ireland",
    "Calle de la Paz 8, 03001 Alicante, Spain",
)

ETHNICITIES = (
    "White", "Mixed or multiple ethnic groups", "Asian or Asian British",
    "Black, Black British, Caribbean or African", "Other ethnic group",
)
MINORITY_SPLIT = (0.0, 0.22, 0.5, 0.2, 0.08)  # within ethnic minorities
AGE_BANDS = ("16-24", "25-34", "35-44", "45-54", "55-64", "65+")
AGE_SHARES = (0.05, 0.22, 0.25, 0.25, 0.20, 0.03)

PART_TIME_PATTERNS = (
    # (working days, hours per day), drawn for part-time staff
    ("Mon;Tue;Wed", 7.40), ("Tue;Wed;Thu", 7.40), ("Mon;Tue;Wed;Thu", 7.40), ("Tue;Wed;Thu;Fri", 7.40),
    ("Mon;Wed;Fri", 7.40), ("Mon;Tue;Thu", 7.40), ("Mon;Tue;Wed;Thu;Fri", 5.00), ("Mon;Tue;Wed;Thu;Fri", 4.00),
    ("Mon;Tue;Wed;Thu;Fri", 6.00), ("Mon;Tue", 7.40),
)
COMPRESSED_PATTERNS = (("Mon;Tue;Wed;Thu", 9.25), ("Tue;Wed;Thu;Fri", 9.25))
FULL_TIME = ("Mon;Tue;Wed;Thu;Fri", 7.40)
FULL_TIME_WEEKLY_HOURS = 37.0

# Why people came in, recorded with desk-booking check-ins after the April 2026 settlement (purpose-led days).
PURPOSES = ("team_anchor_day", "meeting", "collaboration", "training", "induction")
PURPOSE_SHARES = (0.45, 0.2, 0.2, 0.1, 0.05)

# Bank holidays used only if the GOV.UK snapshot (mandate/policy/data/bank-holidays.json) is missing.
FALLBACK_BANK_HOLIDAYS = {
    "england-and-wales": ("2025-12-25", "2025-12-26", "2026-01-01", "2026-04-03", "2026-04-06", "2026-05-04",
                          "2026-05-25", "2026-08-31"),
    "scotland": ("2025-12-01", "2025-12-25", "2025-12-26", "2026-01-01", "2026-01-02", "2026-04-03",
                 "2026-05-04", "2026-05-25", "2026-06-15", "2026-08-03"),
}
