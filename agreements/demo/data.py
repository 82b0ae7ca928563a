"""Reference lists for the demo summit (agreements.demo): organizations, people, topics.

Organization names are real public bodies and companies of Japan and Central Asia, as
reported around the summit; the agreements built from them are invented for the demo.
"""
from __future__ import annotations

# name, short name, ISO country, kind, sector
ORGANIZATIONS = [
    # Japan — government
    ("Ministry of Foreign Affairs of Japan", "MOFA", "JP", "ministry", "Foreign affairs"),
    ("Ministry of Economy, Trade and Industry", "METI", "JP", "ministry", "Economy and trade"),
    ("Ministry of Land, Infrastructure, Transport and Tourism", "MLIT", "JP", "ministry", "Transport"),
    ("Ministry of Health, Labour and Welfare", "MHLW", "JP", "ministry", "Health"),
    ("Ministry of the Environment of Japan", "MOEJ", "JP", "ministry", "Environment"),
    ("Ministry of Education, Culture, Sports, Science and Technology", "MEXT", "JP", "ministry", "Education"),
    ("Ministry of Finance of Japan", "MOF", "JP", "ministry", "Finance"),
    # Japan — agencies and public finance
    ("Japan International Cooperation Agency", "JICA", "JP", "agency", "Development cooperation"),
    ("Japan Bank for International Cooperation", "JBIC", "JP", "bank", "Export finance"),
    ("Japan Organization for Metals and Energy Security", "JOGMEC", "JP", "agency", "Energy and minerals"),
    ("Nippon Export and Investment Insurance", "NEXI", "JP", "agency", "Trade insurance"),
    ("Japan External Trade Organization", "JETRO", "JP", "agency", "Trade promotion"),
    ("New Energy and Industrial Technology Development Organization", "NEDO", "JP", "agency", "Energy technology"),
    # Japan — companies, banks, universities, hospitals
    ("Mitsubishi Corporation", "Mitsubishi", "JP", "company", "Trading"),
    ("Mitsui & Co.", "Mitsui", "JP", "company", "Trading"),
    ("Sumitomo Corporation", "Sumitomo", "JP", "company", "Trading"),
    ("Marubeni Corporation", "Marubeni", "JP", "company", "Trading"),
    ("ITOCHU Corporation", "ITOCHU", "JP", "company", "Trading"),
    ("Toyota Tsusho Corporation", "Toyota Tsusho", "JP", "company", "Trading"),
    ("Sojitz Corporation", "Sojitz", "JP", "company", "Trading"),
    ("JGC Holdings Corporation", "JGC", "JP", "company", "Engineering"),
    ("Chiyoda Corporation", "Chiyoda", "JP", "company", "Engineering"),
    ("Hitachi, Ltd.", "Hitachi", "JP", "company", "Power and rail systems"),
    ("Toshiba Energy Systems & Solutions", "Toshiba ESS", "JP", "company", "Power systems"),
    ("Kawasaki Heavy Industries", "Kawasaki", "JP", "company", "Machinery"),
    ("Komatsu Ltd.", "Komatsu", "JP", "company", "Mining equipment"),
    ("MUFG Bank", "MUFG", "JP", "bank", "Banking"),
    ("Sumitomo Mitsui Banking Corporation", "SMBC", "JP", "bank", "Banking"),
    ("Mizuho Bank", "Mizuho", "JP", "bank", "Banking"),
    ("The University of Tokyo", "UTokyo", "JP", "university", "Higher education"),
    ("University of Tsukuba", "Tsukuba", "JP", "university", "Higher education"),
    ("National Center for Global Health and Medicine", "NCGM", "JP", "hospital", "Health"),
    # Kazakhstan
    ("Ministry of Foreign Affairs of the Republic of Kazakhstan", "MFA KZ", "KZ", "ministry", "Foreign affairs"),
    ("Ministry of Energy of the Republic of Kazakhstan", "MinEnergy KZ", "KZ", "ministry", "Energy"),
    ("Ministry of Industry and Construction of the Republic of Kazakhstan", "MIC KZ", "KZ", "ministry", "Industry"),
    ("Ministry of Transport of the Republic of Kazakhstan", "MinTransport KZ", "KZ", "ministry", "Transport"),
    ("Samruk-Kazyna Sovereign Wealth Fund", "Samruk-Kazyna", "KZ", "company", "Investment"),
    ("KazMunayGas", "KMG", "KZ", "company", "Oil and gas"),
    ("Kazatomprom", "Kazatomprom", "KZ", "company", "Uranium"),
    ("Tau-Ken Samruk", "Tau-Ken", "KZ", "company", "Mining"),
    ("Kazakhstan Temir Zholy", "KTZ", "KZ", "company", "Railways"),
    ("Development Bank of Kazakhstan", "DBK", "KZ", "bank", "Development finance"),
    ("Nazarbayev University", "NU", "KZ", "university", "Higher education"),
    # Kyrgyzstan
    ("Ministry of Foreign Affairs of the Kyrgyz Republic", "MFA KG", "KG", "ministry", "Foreign affairs"),
    ("Ministry of Energy of the Kyrgyz Republic", "MinEnergy KG", "KG", "ministry", "Energy"),
    ("Ministry of Economy and Commerce of the Kyrgyz Republic", "MEC KG", "KG", "ministry", "Economy"),
    ("Ministry of Health of the Kyrgyz Republic", "MoH KG", "KG", "ministry", "Health"),
    ("National Energy Holding Company", "NEHC", "KG", "company", "Energy"),
    ("Kyrgyz State Technical University", "KSTU", "KG", "university", "Higher education"),
    # Tajikistan
    ("Ministry of Foreign Affairs of the Republic of Tajikistan", "MFA TJ", "TJ", "ministry", "Foreign affairs"),
    ("Ministry of Energy and Water Resources of the Republic of Tajikistan", "MEWR TJ", "TJ", "ministry", "Energy and water"),
    ("Ministry of Health and Social Protection of the Population of the Republic of Tajikistan", "MoHSP TJ", "TJ", "ministry", "Health"),
    ("Committee of Emergency Situations and Civil Defence of Tajikistan", "CoES TJ", "TJ", "agency", "Disaster risk"),
    ("Barki Tojik", "Barki Tojik", "TJ", "company", "Power utility"),
    ("Tajik Technical University", "TTU", "TJ", "university", "Higher education"),
    # Turkmenistan
    ("Ministry of Foreign Affairs of Turkmenistan", "MFA TM", "TM", "ministry", "Foreign affairs"),
    ("Turkmengaz State Concern", "Turkmengaz", "TM", "company", "Natural gas"),
    ("Turkmenhimiya State Concern", "Turkmenhimiya", "TM", "company", "Chemicals"),
    ("State Bank for Foreign Economic Affairs of Turkmenistan", "Vnesheconombank TM", "TM", "bank", "Foreign trade finance"),
    ("Ministry of Health and Medical Industry of Turkmenistan", "MoH TM", "TM", "ministry", "Health"),
    ("Turkmen State Institute of Transport and Communications", "TSITC", "TM", "university", "Higher education"),
    # Uzbekistan
    ("Ministry of Foreign Affairs of the Republic of Uzbekistan", "MFA UZ", "UZ", "ministry", "Foreign affairs"),
    ("Ministry of Investment, Industry and Trade of the Republic of Uzbekistan", "MIIT UZ", "UZ", "ministry", "Investment"),
    ("Ministry of Energy of the Republic of Uzbekistan", "MinEnergy UZ", "UZ", "ministry", "Energy"),
    ("Ministry of Transport of the Republic of Uzbekistan", "MinTransport UZ", "UZ", "ministry", "Transport"),
    ("Ministry of Emergency Situations of the Republic of Uzbekistan", "MES UZ", "UZ", "ministry", "Disaster risk"),
    ("Uzbekneftegaz", "UNG", "UZ", "company", "Oil and gas"),
    ("Almalyk Mining and Metallurgical Complex", "Almalyk MMC", "UZ", "company", "Mining and metals"),
    ("Navoiyuran", "Navoiyuran", "UZ", "company", "Uranium"),
    ("Uzbekistan Railways", "UTY", "UZ", "company", "Railways"),
    ("National Bank of Uzbekistan", "NBU", "UZ", "bank", "Banking"),
    ("Tashkent State Technical University", "TSTU", "UZ", "university", "Higher education"),
    ("Republican Specialized Scientific and Practical Medical Center of Cardiology", "RSSPMC Cardiology", "UZ", "hospital", "Health"),
]

CA_COUNTRIES = {"KZ": 30, "UZ": 30, "KG": 13, "TJ": 12, "TM": 15}
CAPITALS = {"KZ": "Astana", "UZ": "Tashkent", "KG": "Bishkek", "TJ": "Dushanbe", "TM": "Ashgabat", "JP": "Tokyo"}

# username, first name, last name, time zone
OFFICERS = [
    ("a.tanaka", "Aiko", "Tanaka", "Asia/Tokyo"),
    ("k.sato", "Kenji", "Sato", "Asia/Tokyo"),
    ("y.nakamura", "Yuki", "Nakamura", "Asia/Tokyo"),
    ("h.watanabe", "Hiroshi", "Watanabe", "Asia/Tokyo"),
    ("m.kobayashi", "Mei", "Kobayashi", "Asia/Tokyo"),
    ("t.ito", "Takeshi", "Ito", "Asia/Tokyo"),
    ("a.nurlanova", "Aigerim", "Nurlanova", "Asia/Almaty"),
    ("b.karimov", "Bakhodir", "Karimov", "Asia/Tashkent"),
    ("d.yusupova", "Dilnoza", "Yusupova", "Asia/Tashkent"),
    ("a.sadykova", "Aida", "Sadykova", "Asia/Bishkek"),
    ("f.rahimov", "Farrukh", "Rahimov", "Asia/Dushanbe"),
    ("g.atayeva", "Gulnara", "Atayeva", "Asia/Ashgabat"),
]
MANAGERS = [
    ("h.mori", "Haruka", "Mori", "Asia/Tokyo"),
    ("r.aliyev", "Rustam", "Aliyev", "Asia/Tashkent"),
    ("s.zhakupova", "Saule", "Zhakupova", "Asia/Almaty"),
]
DATA_ENTRY = [("n.yamada", "Nana", "Yamada", "Asia/Tokyo")]

# Demo logins (only with DEBUG on or --demo-users). One documented password.
DEMO_PASSWORD = "summit-demo-2025"
DEMO_USERS = [
    ("officer", "Olga", "Officer", "Asia/Tashkent", "Officer"),
    ("manager", "Masato", "Manager", "Asia/Tokyo", "Manager"),
    ("dataentry", "Dana", "Entry", "Asia/Almaty", "Data entry"),
    ("viewer", "Victor", "Viewer", "Asia/Bishkek", "Viewer"),
    ("admin", "Ada", "Admin", "UTC", None),
]

# focus area code → (topics, milestone titles)
TOPICS = {
    "energy-resources": (
        ["critical minerals exploration", "a rare-metals supply chain", "gallium production", "the uranium fuel cycle",
         "natural gas processing", "copper concentrate offtake", "geological survey data sharing"],
        ["Geological survey completed", "Feasibility study delivered", "Offtake terms agreed", "First shipment"],
    ),
    "climate-mitigation": (
        ["Joint Crediting Mechanism projects", "methane emission reduction", "industrial energy efficiency",
         "waste-to-energy in the capital", "low-carbon cement production"],
        ["Baseline emissions measured", "JCM project registered", "Monitoring report submitted", "Credits issued"],
    ),
    "renewable-transition": (
        ["a 500 MW solar power plant", "a wind farm", "hydropower plant modernisation", "grid stabilisation and storage",
         "green hydrogen production", "rooftop solar for schools"],
        ["Site survey completed", "Power purchase agreement signed", "Financial close", "Commissioning"],
    ),
    "disaster-risk-reduction": (
        ["earthquake early warning", "flood forecasting", "seismic building codes", "glacial lake outburst monitoring",
         "emergency response training"],
        ["Hazard maps delivered", "Equipment installed", "Drill held with local authorities", "Final report"],
    ),
    "logistics-transport": (
        ["the Trans-Caspian transport corridor", "railway rolling stock", "a multimodal logistics hub",
         "border-crossing digitalisation", "an airport cargo terminal", "road bridge reconstruction"],
        ["Route study delivered", "Procurement launched", "Contract awarded", "Construction started", "Handover"],
    ),
    "capacity-building": (
        ["engineering education", "Japanese business and management training", "civil service training",
         "digital skills for young people", "a Japan Centre for human development", "Kosen-style technical colleges"],
        ["Curriculum agreed", "First cohort enrolled", "First cohort graduated", "Trainers certified"],
    ),
    "health-medical": (
        ["diagnostic imaging centres", "telemedicine for remote districts", "nursing education",
         "maternal and child health", "medical equipment supply", "cardiology care"],
        ["Needs assessment", "Equipment delivered", "Staff trained", "Centre opened"],
    ),
    None: (
        ["the CA+JAD Tokyo Initiative", "regional connectivity", "investment promotion", "the JPY 3 trillion business target"],
        ["Working group convened", "Action plan adopted", "Annual review"],
    ),
}

GENERIC_MILESTONES = ["Joint working group meeting", "Implementation plan approved", "Progress report to ministers"]

UPDATE_LINES = {
    "on_track": ["Work proceeds as planned.", "Joint working group met; minutes agreed.", "Funds disbursed on schedule.",
                 "Technical team completed its site visit."],
    "at_risk": ["Counterpart approval is taking longer than expected.", "Procurement delayed by a re-tender.",
                "Currency movements put the budget under pressure."],
    "off_track": ["The counterpart has not nominated its implementing agency.", "Financing not yet secured.",
                  "Construction stopped pending a permit."],
}
NEXT_STEPS = ["Follow up with the counterpart ministry.", "Prepare the next working group meeting.",
              "Submit the quarterly report.", "Agree the revised schedule."]
