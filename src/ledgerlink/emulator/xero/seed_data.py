"""Fixed data of the demo organisation: chart of accounts, tax rates, names and items."""

from __future__ import annotations

from decimal import Decimal

# (code, name, type, system account or "", tax type)
CHART: tuple[tuple[str, str, str, str, str], ...] = (
    ("090", "Business Bank Account", "BANK", "", "NONE"),
    ("091", "Business Savings Account", "BANK", "", "NONE"),
    ("200", "Sales", "REVENUE", "", "OUTPUT2"),
    ("260", "Other Revenue", "REVENUE", "", "OUTPUT2"),
    ("270", "Interest Income", "OTHERINCOME", "", "NONE"),
    ("300", "Purchases", "DIRECTCOSTS", "", "INPUT2"),
    ("310", "Cost of Goods Sold", "DIRECTCOSTS", "", "INPUT2"),
    ("400", "Advertising", "OVERHEADS", "", "INPUT2"),
    ("404", "Bank Fees", "OVERHEADS", "", "NONE"),
    ("408", "Cleaning", "OVERHEADS", "", "INPUT2"),
    ("412", "Consulting & Accounting", "EXPENSE", "", "INPUT2"),
    ("416", "Depreciation", "DEPRECIATN", "", "NONE"),
    ("425", "Freight & Courier", "EXPENSE", "", "INPUT2"),
    ("429", "General Expenses", "EXPENSE", "", "INPUT2"),
    ("433", "Insurance", "EXPENSE", "", "INPUT2"),
    ("445", "Light, Power, Heating", "EXPENSE", "", "INPUT2"),
    ("449", "Motor Vehicle Expenses", "EXPENSE", "", "INPUT2"),
    ("453", "Office Expenses", "EXPENSE", "", "INPUT2"),
    ("469", "Rent", "OVERHEADS", "", "INPUT2"),
    ("473", "Repairs and Maintenance", "EXPENSE", "", "INPUT2"),
    ("485", "Subscriptions", "EXPENSE", "", "INPUT2"),
    ("489", "Telephone & Internet", "EXPENSE", "", "INPUT2"),
    ("610", "Accounts Receivable", "CURRENT", "DEBTORS", "NONE"),
    ("620", "Prepayments", "PREPAYMENT", "", "NONE"),
    ("630", "Inventory", "INVENTORY", "", "NONE"),
    ("710", "Office Equipment", "FIXED", "", "INPUT2"),
    ("720", "Computer Equipment", "FIXED", "", "INPUT2"),
    ("800", "Accounts Payable", "CURRLIAB", "CREDITORS", "NONE"),
    ("801", "Unpaid Expense Claims", "CURRLIAB", "UNPAIDEXPCLM", "NONE"),
    ("820", "GST", "CURRLIAB", "GST", "NONE"),
    ("840", "Historical Adjustment", "CURRLIAB", "HISTORICAL", "NONE"),
    ("860", "Rounding", "CURRLIAB", "ROUNDING", "NONE"),
    ("877", "Tracking Transfers", "CURRLIAB", "TRACKINGTRANSFERS", "NONE"),
    ("900", "Loan", "TERMLIAB", "", "NONE"),
    ("960", "Retained Earnings", "EQUITY", "RETAINEDEARNINGS", "NONE"),
    ("970", "Owner A Funds Introduced", "EQUITY", "", "NONE"),
)

# (name, tax type, rate, report tax type)
TAX_RATES: tuple[tuple[str, str, Decimal, str], ...] = (
    ("15% GST on Expenses", "INPUT2", Decimal("15"), "INPUT"),
    ("15% GST on Income", "OUTPUT2", Decimal("15"), "OUTPUT"),
    ("GST on Imports", "GSTONIMPORTS", Decimal("0"), "GSTONIMPORTS"),
    ("No GST", "NONE", Decimal("0"), "NONE"),
    ("Zero Rated", "ZERORATED", Decimal("0"), "EXEMPTOUTPUT"),
)

CUSTOMERS: tuple[str, ...] = (
    "Aroha Interiors", "Bayview Builders", "Cedar & Stone Homes", "Driftwood Cafe",
    "Eastside Dental", "Fernhill School", "Golden Bay Motel", "Harbour Lights Bar",
    "Island Bay Physio", "Jetty Street Lawyers", "Kauri Ridge Lodge", "Lambton Quay Books",
    "Matariki Architects", "Northern Lights Studio", "Ocean View Apartments",
    "Pohutukawa Preschool", "Queen Street Barbers", "Riverside Vets", "Southern Cross Hotel",
    "Tui Street Bakery", "Upland Farms", "Victoria Park Gym", "Wharf Road Marine",
    "Xavier Kitchen Design", "Yellow Door Florist", "Zealandia Realty", "Ashgrove Medical",
    "Brightwater Church", "Coastline Surf Club", "Dunmore Library", "Elm Tree Wines",
    "Foxton Rugby Club", "Greenlane Motors", "Hilltop Retirement Village", "Ironbark Fitness",
)
SUPPLIERS: tuple[str, ...] = (
    "Timberland Supplies", "Hardware Direct", "Coastal Freight", "Metro Power",
    "City Office Rentals", "Fastnet Telecom", "Brightside Insurance", "Kiwi Fasteners",
    "Allied Paints", "Summit Accountants", "Glassworks NZ", "Precision Tools",
    "Greenleaf Cleaning", "Highway Fuel Cards", "Print Hub",
)
FIRST_NAMES: tuple[str, ...] = (
    "Aria", "Ben", "Chloe", "Daniel", "Ella", "Finn", "Grace", "Henry", "Isla", "Jack",
    "Kiri", "Liam", "Mia", "Noah", "Olivia", "Paddy", "Ruby", "Sam", "Tama", "Zoe",
)
LAST_NAMES: tuple[str, ...] = (
    "Smith", "Williams", "Brown", "Wilson", "Taylor", "Ngata", "Walker", "Patel", "Kumar",
    "Parata", "Clarke", "Young", "King", "Wright", "Thompson", "Tane", "Morgan", "Hughes",
)
STREETS: tuple[str, ...] = (
    "Cuba Street", "Queen Street", "Lambton Quay", "Ponsonby Road", "Colombo Street",
    "George Street", "Victoria Street", "Devonport Road",
)
CITIES: tuple[tuple[str, str, str], ...] = (
    ("Wellington", "Wellington", "6011"), ("Auckland", "Auckland", "1010"),
    ("Christchurch", "Canterbury", "8011"), ("Dunedin", "Otago", "9016"),
    ("Tauranga", "Bay of Plenty", "3110"), ("Nelson", "Nelson", "7010"),
)

# (code, name, sale price, purchase price)
ITEMS: tuple[tuple[str, str, str, str], ...] = (
    ("DOOR-OAK", "Solid oak door", "1450.00", "780.00"),
    ("DOOR-PINE", "Pine interior door", "420.00", "190.00"),
    ("WIN-SASH", "Double-hung sash window", "980.00", "510.00"),
    ("WIN-CASE", "Casement window", "760.00", "395.00"),
    ("KIT-BENCH", "Kitchen benchtop (per metre)", "385.00", "160.00"),
    ("KIT-CAB", "Kitchen cabinet module", "640.00", "280.00"),
    ("STAIR-TREAD", "Stair tread, rimu", "95.00", "38.00"),
    ("SHELF-CUSTOM", "Custom shelving (per metre)", "210.00", "72.00"),
    ("WARD-SLIDE", "Sliding wardrobe doors", "1180.00", "560.00"),
    ("DECK-BOARD", "Decking board (per metre)", "18.50", "7.90"),
    ("TRIM-SKIRT", "Skirting board (per metre)", "12.40", "4.80"),
    ("HW-HINGE", "Brass hinge set", "36.00", "14.00"),
    ("HW-HANDLE", "Door handle set", "89.00", "37.50"),
    ("FIN-OIL", "Finishing oil treatment", "145.00", "48.00"),
    ("LAB-HOUR", "Joinery labour (per hour)", "95.00", "0.00"),
    ("LAB-INSTALL", "Installation (per hour)", "85.00", "0.00"),
    ("DES-CONSULT", "Design consultation", "180.00", "0.00"),
    ("DEL-LOCAL", "Local delivery", "65.00", "0.00"),
    ("DEL-REGION", "Regional delivery", "145.00", "0.00"),
    ("REP-CALL", "Repair call-out", "120.00", "0.00"),
)
EXPENSE_ACCOUNTS: tuple[tuple[str, str], ...] = (
    ("Timberland Supplies", "300"), ("Hardware Direct", "310"), ("Coastal Freight", "425"),
    ("Metro Power", "445"), ("City Office Rentals", "469"), ("Fastnet Telecom", "489"),
    ("Brightside Insurance", "433"), ("Kiwi Fasteners", "310"), ("Allied Paints", "300"),
    ("Summit Accountants", "412"), ("Glassworks NZ", "300"), ("Precision Tools", "473"),
    ("Greenleaf Cleaning", "408"), ("Highway Fuel Cards", "449"), ("Print Hub", "400"),
)
