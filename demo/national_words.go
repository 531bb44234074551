package demo

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// The vocabulary the scaled generator (national.go) builds its names,
// titles and descriptions from. The phrases are written for this package:
// the activities, places and people that the seed articles in
// ../shared/seeds/ talk about (aid collection and sorting points, forest
// fires, legal-literacy lessons, ramps, a boarding house for lonely
// pensioners, silver volunteering, small grants, youth resource centres),
// and the themes of synthetic.go, worded as a platform would word them.
// No sentence of the articles is reused.

// locality is a town, village or city district where projects happen.
type locality struct {
	kk, ru, en string
	kind       localityKind
	lat, lon   float64
	weight     int
	// For a city district: how Russian says "in this district" (its
	// adjective is declined by hand).
	ruIn string
}

type localityKind uint8

const (
	town localityKind = iota
	village
	settlement // посёлок, кент
	district   // a district of a city of republican significance
)

// cityForms are the three cities' names in the cases the descriptions need.
var cityForms = map[string]struct{ kk, ruGen, en string }{
	"KZ-71": {"Астана", "Астаны", "Astana"},
	"KZ-75": {"Алматы", "Алматы", "Almaty"},
	"KZ-79": {"Шымкент", "Шымкента", "Shymkent"},
}

// regionLocalities lists, per region, its administrative centre first (as
// in regionPlaces) and other towns and villages; for the three cities, their
// districts. Coordinates are approximate town centres.
var regionLocalities = map[string][]locality{
	"KZ-10": {
		{kk: "Семей", ru: "Семей", en: "Semey", lat: 50.4111, lon: 80.2275, weight: 50},
		{kk: "Аягөз", ru: "Аягоз", en: "Ayagoz", lat: 47.9644, lon: 80.4344, weight: 15},
		{kk: "Курчатов", ru: "Курчатов", en: "Kurchatov", lat: 50.7561, lon: 78.5400, weight: 10},
		{kk: "Шар", ru: "Шар", en: "Shar", lat: 49.5866, lon: 81.0450, weight: 8},
		{kk: "Үржар", ru: "Урджар", en: "Urzhar", kind: village, lat: 47.0936, lon: 81.6294, weight: 12},
	},
	"KZ-11": {
		{kk: "Көкшетау", ru: "Кокшетау", en: "Kokshetau", lat: 53.2833, lon: 69.3833, weight: 45},
		{kk: "Степногор", ru: "Степногорск", en: "Stepnogorsk", lat: 52.3500, lon: 71.8833, weight: 15},
		{kk: "Щучинск", ru: "Щучинск", en: "Shchuchinsk", lat: 52.9333, lon: 70.2000, weight: 12},
		{kk: "Бурабай", ru: "Бурабай", en: "Burabay", kind: settlement, lat: 53.0833, lon: 70.3000, weight: 8},
		{kk: "Атбасар", ru: "Атбасар", en: "Atbasar", lat: 51.8000, lon: 68.3333, weight: 10},
		{kk: "Ақкөл", ru: "Акколь", en: "Akkol", lat: 52.0000, lon: 70.9333, weight: 8},
	},
	"KZ-15": {
		{kk: "Ақтөбе", ru: "Актобе", en: "Aktobe", lat: 50.2839, lon: 57.1670, weight: 60},
		{kk: "Хромтау", ru: "Хромтау", en: "Khromtau", lat: 50.2503, lon: 58.4347, weight: 10},
		{kk: "Қандыағаш", ru: "Кандыагаш", en: "Kandyagash", lat: 49.4667, lon: 57.4167, weight: 10},
		{kk: "Шалқар", ru: "Шалкар", en: "Shalkar", lat: 47.8333, lon: 59.6167, weight: 8},
		{kk: "Ембі", ru: "Эмба", en: "Embi", lat: 48.8264, lon: 58.1442, weight: 6},
	},
	"KZ-19": {
		{kk: "Қонаев", ru: "Конаев", en: "Konaev", lat: 43.8667, lon: 77.0667, weight: 25},
		{kk: "Қаскелең", ru: "Каскелен", en: "Kaskelen", lat: 43.2000, lon: 76.6200, weight: 20},
		{kk: "Талғар", ru: "Талгар", en: "Talgar", lat: 43.3000, lon: 77.2400, weight: 18},
		{kk: "Есік", ru: "Есик", en: "Esik", lat: 43.3556, lon: 77.4528, weight: 12},
		{kk: "Шелек", ru: "Шелек", en: "Shelek", kind: village, lat: 43.5975, lon: 78.2494, weight: 8},
		{kk: "Ұзынағаш", ru: "Узынагаш", en: "Uzynagash", kind: village, lat: 43.2236, lon: 76.3103, weight: 10},
	},
	"KZ-23": {
		{kk: "Атырау", ru: "Атырау", en: "Atyrau", lat: 47.1167, lon: 51.8833, weight: 65},
		{kk: "Құлсары", ru: "Кульсары", en: "Kulsary", lat: 46.9533, lon: 54.0192, weight: 15},
		{kk: "Мақат", ru: "Макат", en: "Makat", kind: settlement, lat: 47.6500, lon: 53.3167, weight: 6},
		{kk: "Доссор", ru: "Доссор", en: "Dossor", kind: settlement, lat: 47.5314, lon: 52.9817, weight: 6},
	},
	"KZ-27": {
		{kk: "Орал", ru: "Уральск", en: "Oral", lat: 51.2333, lon: 51.3667, weight: 60},
		{kk: "Ақсай", ru: "Аксай", en: "Aksay", lat: 51.1714, lon: 52.9950, weight: 15},
		{kk: "Жәнібек", ru: "Жанибек", en: "Zhanibek", kind: village, lat: 49.4167, lon: 46.8500, weight: 6},
		{kk: "Қазталов", ru: "Казталовка", en: "Kaztalov", kind: village, lat: 49.7628, lon: 48.6931, weight: 6},
	},
	"KZ-31": {
		{kk: "Тараз", ru: "Тараз", en: "Taraz", lat: 42.9000, lon: 71.3667, weight: 50},
		{kk: "Шу", ru: "Шу", en: "Shu", lat: 43.6000, lon: 73.7600, weight: 10},
		{kk: "Қаратау", ru: "Каратау", en: "Karatau", lat: 43.1772, lon: 70.4625, weight: 8},
		{kk: "Жаңатас", ru: "Жанатас", en: "Zhanatas", lat: 43.5667, lon: 69.7500, weight: 7},
		{kk: "Мерке", ru: "Мерке", en: "Merke", kind: village, lat: 42.8717, lon: 73.1800, weight: 8},
		{kk: "Қордай", ru: "Кордай", en: "Korday", kind: village, lat: 43.0469, lon: 74.7147, weight: 8},
	},
	"KZ-33": {
		{kk: "Талдықорған", ru: "Талдыкорган", en: "Taldykorgan", lat: 45.0167, lon: 78.3667, weight: 50},
		{kk: "Текелі", ru: "Текели", en: "Tekeli", lat: 44.8631, lon: 78.7639, weight: 10},
		{kk: "Жаркент", ru: "Жаркент", en: "Zharkent", lat: 44.1633, lon: 80.0000, weight: 12},
		{kk: "Үшарал", ru: "Ушарал", en: "Usharal", lat: 46.1689, lon: 80.9394, weight: 8},
		{kk: "Сарқан", ru: "Сарканд", en: "Sarkand", lat: 45.4100, lon: 79.9186, weight: 8},
	},
	"KZ-35": {
		{kk: "Қарағанды", ru: "Караганда", en: "Karaganda", lat: 49.8047, lon: 73.1094, weight: 50},
		{kk: "Теміртау", ru: "Темиртау", en: "Temirtau", lat: 50.0547, lon: 72.9647, weight: 18},
		{kk: "Балқаш", ru: "Балхаш", en: "Balkhash", lat: 46.8481, lon: 74.9950, weight: 10},
		{kk: "Шахтинск", ru: "Шахтинск", en: "Shakhtinsk", lat: 49.7100, lon: 72.5900, weight: 7},
		{kk: "Саран", ru: "Сарань", en: "Saran", lat: 49.8000, lon: 72.8500, weight: 7},
		{kk: "Қарқаралы", ru: "Каркаралинск", en: "Karkaraly", lat: 49.4100, lon: 75.4700, weight: 5},
	},
	"KZ-39": {
		{kk: "Қостанай", ru: "Костанай", en: "Kostanay", lat: 53.2144, lon: 63.6246, weight: 50},
		{kk: "Рудный", ru: "Рудный", en: "Rudny", lat: 52.9667, lon: 63.1167, weight: 18},
		{kk: "Лисаков", ru: "Лисаковск", en: "Lisakovsk", lat: 52.5369, lon: 62.4936, weight: 8},
		{kk: "Арқалық", ru: "Аркалык", en: "Arkalyk", lat: 50.2486, lon: 66.9114, weight: 8},
		{kk: "Жітіқара", ru: "Житикара", en: "Zhitikara", lat: 52.1900, lon: 61.2000, weight: 6},
	},
	"KZ-43": {
		{kk: "Қызылорда", ru: "Кызылорда", en: "Kyzylorda", lat: 44.8528, lon: 65.5092, weight: 55},
		{kk: "Арал", ru: "Аральск", en: "Aral", lat: 46.8000, lon: 61.6667, weight: 10},
		{kk: "Қазалы", ru: "Казалинск", en: "Kazaly", lat: 45.7628, lon: 62.1075, weight: 8},
		{kk: "Жаңақорған", ru: "Жанакорган", en: "Zhanakorgan", kind: settlement, lat: 43.9100, lon: 67.2500, weight: 8},
		{kk: "Шиелі", ru: "Шиели", en: "Shieli", kind: settlement, lat: 44.1667, lon: 66.7500, weight: 8},
	},
	"KZ-47": {
		{kk: "Ақтау", ru: "Актау", en: "Aktau", lat: 43.6500, lon: 51.1500, weight: 55},
		{kk: "Жаңаөзен", ru: "Жанаозен", en: "Zhanaozen", lat: 43.3400, lon: 52.8600, weight: 20},
		{kk: "Форт-Шевченко", ru: "Форт-Шевченко", en: "Fort-Shevchenko", lat: 44.5100, lon: 50.2600, weight: 5},
		{kk: "Бейнеу", ru: "Бейнеу", en: "Beineu", kind: village, lat: 45.3167, lon: 55.2000, weight: 8},
		{kk: "Шетпе", ru: "Шетпе", en: "Shetpe", kind: village, lat: 44.1667, lon: 52.1167, weight: 6},
	},
	"KZ-55": {
		{kk: "Павлодар", ru: "Павлодар", en: "Pavlodar", lat: 52.2873, lon: 76.9674, weight: 55},
		{kk: "Екібастұз", ru: "Экибастуз", en: "Ekibastuz", lat: 51.7236, lon: 75.3228, weight: 20},
		{kk: "Ақсу", ru: "Аксу", en: "Aksu", lat: 52.0406, lon: 76.9272, weight: 10},
		{kk: "Баянауыл", ru: "Баянаул", en: "Bayanaul", kind: village, lat: 50.7931, lon: 75.7003, weight: 5},
	},
	"KZ-59": {
		{kk: "Петропавл", ru: "Петропавловск", en: "Petropavl", lat: 54.8667, lon: 69.1500, weight: 55},
		{kk: "Булаев", ru: "Булаево", en: "Bulaevo", lat: 54.9056, lon: 70.4439, weight: 8},
		{kk: "Сергеевка", ru: "Сергеевка", en: "Sergeevka", lat: 53.8800, lon: 67.4200, weight: 7},
		{kk: "Мамлют", ru: "Мамлютка", en: "Mamlyut", lat: 54.9378, lon: 68.5394, weight: 6},
		{kk: "Тайынша", ru: "Тайынша", en: "Tayynsha", lat: 53.8478, lon: 69.7639, weight: 8},
	},
	"KZ-61": {
		{kk: "Түркістан", ru: "Туркестан", en: "Turkistan", lat: 43.3000, lon: 68.2500, weight: 30},
		{kk: "Кентау", ru: "Кентау", en: "Kentau", lat: 43.5167, lon: 68.5167, weight: 12},
		{kk: "Арыс", ru: "Арысь", en: "Arys", lat: 42.4333, lon: 68.8000, weight: 10},
		{kk: "Сарыағаш", ru: "Сарыагаш", en: "Saryagash", lat: 41.4500, lon: 69.1667, weight: 14},
		{kk: "Жетісай", ru: "Жетысай", en: "Zhetysai", lat: 40.7750, lon: 68.3275, weight: 14},
		{kk: "Ленгір", ru: "Ленгер", en: "Lenger", lat: 42.1833, lon: 69.8833, weight: 10},
		{kk: "Шардара", ru: "Шардара", en: "Shardara", lat: 41.2547, lon: 67.9692, weight: 8},
	},
	"KZ-62": {
		{kk: "Жезқазған", ru: "Жезказган", en: "Zhezkazgan", lat: 47.7833, lon: 67.7000, weight: 55},
		{kk: "Сәтбаев", ru: "Сатпаев", en: "Satbayev", lat: 47.9000, lon: 67.5333, weight: 25},
		{kk: "Қаражал", ru: "Каражал", en: "Karazhal", lat: 48.0025, lon: 70.7883, weight: 8},
		{kk: "Ұлытау", ru: "Улытау", en: "Ulytau", kind: village, lat: 48.6533, lon: 67.0086, weight: 6},
	},
	"KZ-63": {
		{kk: "Өскемен", ru: "Усть-Каменогорск", en: "Oskemen", lat: 49.9483, lon: 82.6275, weight: 55},
		{kk: "Риддер", ru: "Риддер", en: "Ridder", lat: 50.3444, lon: 83.5125, weight: 12},
		{kk: "Алтай", ru: "Алтай", en: "Altai", lat: 49.7200, lon: 84.2700, weight: 10},
		{kk: "Шемонаиха", ru: "Шемонаиха", en: "Shemonaikha", lat: 50.6300, lon: 81.9100, weight: 7},
		{kk: "Зайсан", ru: "Зайсан", en: "Zaisan", lat: 47.4667, lon: 84.8667, weight: 6},
	},
	"KZ-71": {
		{kk: "Есіл ауданы", ru: "район Есиль", ruIn: "в районе Есиль", en: "Yesil district", kind: district, lat: 51.1300, lon: 71.4300, weight: 25},
		{kk: "Алматы ауданы", ru: "Алматинский район", ruIn: "в Алматинском районе", en: "Almaty district", kind: district, lat: 51.1500, lon: 71.5000, weight: 22},
		{kk: "Сарыарқа ауданы", ru: "район Сарыарка", ruIn: "в районе Сарыарка", en: "Saryarka district", kind: district, lat: 51.1800, lon: 71.4100, weight: 20},
		{kk: "Байқоңыр ауданы", ru: "район Байконыр", ruIn: "в районе Байконыр", en: "Baikonyr district", kind: district, lat: 51.1900, lon: 71.4600, weight: 18},
		{kk: "Нұра ауданы", ru: "район Нура", ruIn: "в районе Нура", en: "Nura district", kind: district, lat: 51.0900, lon: 71.4100, weight: 15},
	},
	"KZ-75": {
		{kk: "Алмалы ауданы", ru: "Алмалинский район", ruIn: "в Алмалинском районе", en: "Almaly district", kind: district, lat: 43.2500, lon: 76.9100, weight: 14},
		{kk: "Әуезов ауданы", ru: "Ауэзовский район", ruIn: "в Ауэзовском районе", en: "Auezov district", kind: district, lat: 43.2300, lon: 76.8500, weight: 16},
		{kk: "Бостандық ауданы", ru: "Бостандыкский район", ruIn: "в Бостандыкском районе", en: "Bostandyk district", kind: district, lat: 43.2100, lon: 76.9100, weight: 15},
		{kk: "Медеу ауданы", ru: "Медеуский район", ruIn: "в Медеуском районе", en: "Medeu district", kind: district, lat: 43.2400, lon: 76.9800, weight: 12},
		{kk: "Алатау ауданы", ru: "Алатауский район", ruIn: "в Алатауском районе", en: "Alatau district", kind: district, lat: 43.2800, lon: 76.7900, weight: 12},
		{kk: "Жетісу ауданы", ru: "Жетысуский район", ruIn: "в Жетысуском районе", en: "Zhetysu district", kind: district, lat: 43.2900, lon: 76.9300, weight: 10},
		{kk: "Наурызбай ауданы", ru: "Наурызбайский район", ruIn: "в Наурызбайском районе", en: "Nauryzbay district", kind: district, lat: 43.1900, lon: 76.7900, weight: 9},
		{kk: "Түрксіб ауданы", ru: "Турксибский район", ruIn: "в Турксибском районе", en: "Turksib district", kind: district, lat: 43.3300, lon: 76.9500, weight: 12},
	},
	"KZ-79": {
		{kk: "Абай ауданы", ru: "Абайский район", ruIn: "в Абайском районе", en: "Abay district", kind: district, lat: 42.3400, lon: 69.5600, weight: 20},
		{kk: "Әл-Фараби ауданы", ru: "Аль-Фарабийский район", ruIn: "в Аль-Фарабийском районе", en: "Al-Farabi district", kind: district, lat: 42.3200, lon: 69.6000, weight: 20},
		{kk: "Еңбекші ауданы", ru: "Енбекшинский район", ruIn: "в Енбекшинском районе", en: "Enbekshi district", kind: district, lat: 42.3000, lon: 69.6200, weight: 20},
		{kk: "Қаратау ауданы", ru: "Каратауский район", ruIn: "в Каратауском районе", en: "Karatau district", kind: district, lat: 42.3500, lon: 69.6500, weight: 20},
		{kk: "Тұран ауданы", ru: "Туранский район", ruIn: "в Туранском районе", en: "Turan district", kind: district, lat: 42.2900, lon: 69.5400, weight: 20},
	},
}

// moreTopics adds project activities to each theme's topics in
// synthetic.go; the generator uses both. Each is a noun phrase that can
// stand as a title; its Latin-script tag is made by kkLatin.
var moreTopics = map[string][]topic{
	"EDUCATION": {
		{kk: "ауыл мектептеріндегі ағылшын тілі сабақтары", ru: "уроки английского языка в сельских школах", en: "English lessons in village schools"},
		{kk: "оқушыларға кәсіптік бағдар беру", ru: "профориентация для школьников", en: "career guidance for schoolchildren"},
		{kk: "жасөспірімдерге арналған робототехника үйірмесі", ru: "кружок робототехники для подростков", en: "robotics club for teenagers"},
		{kk: "ҰБТ-ға дайындық курстары", ru: "курсы подготовки к ЕНТ", en: "preparation for the national university entrance test"},
		{kk: "балаларға қаржылық сауаттылық", ru: "финансовая грамотность для детей", en: "financial literacy for children"},
	},
	"HEALTHCARE": {
		{kk: "қан қысымын тегін өлшеу акциясы", ru: "акция бесплатного измерения давления", en: "free blood pressure checks"},
		{kk: "алғашқы медициналық көмекке оқыту", ru: "обучение первой помощи", en: "first aid training"},
		{kk: "балалар ауруханасындағы волонтерлер", ru: "волонтеры в детской больнице", en: "volunteers at the children's hospital"},
		{kk: "салауатты өмір салты туралы дәрістер", ru: "лекции о здоровом образе жизни", en: "talks on healthy living"},
	},
	"ECOLOGY": {
		{kk: "өзен жағалауын қоқыстан тазарту", ru: "очистка берега реки от мусора", en: "riverbank litter clean-up"},
		{kk: "пластик пен қағазды бөлек жинау", ru: "раздельный сбор пластика и бумаги", en: "separate collection of plastic and paper"},
		{kk: "қалалық сенбілік", ru: "городской субботник", en: "city clean-up day"},
		{kk: "мектеп ауласын көгалдандыру", ru: "озеленение школьного двора", en: "greening a school yard"},
		{kk: "ұлттық саябақтағы экологиялық соқпақ", ru: "экологическая тропа в национальном парке", en: "nature trail in a national park"},
	},
	"SOCIAL_SUPPORT": {
		{kk: "қиын жағдайға тап болған отбасыларға көмек", ru: "помощь семьям, попавшим в беду", en: "help for families in hardship"},
		{kk: "тұрмыстық зорлық-зомбылық көрген әйелдерді қолдау", ru: "поддержка женщин, переживших домашнее насилие", en: "support for women who survived domestic violence"},
		{kk: "жылы киім жинау", ru: "сбор тёплой одежды", en: "warm clothes drive"},
		{kk: "жастарға жұмысқа орналасу бойынша кеңес", ru: "консультации молодежи по трудоустройству", en: "job advice for young people"},
	},
	"EMERGENCY": {
		{kk: "орман өрттерін сөндіруге көмек", ru: "помощь в тушении лесных пожаров", en: "helping to fight forest fires"},
		{kk: "гуманитарлық жүктерді сұрыптау", ru: "сортировка гуманитарных грузов", en: "sorting humanitarian cargo"},
		{kk: "тұрғындарды төтенше жағдайларға дайындау", ru: "подготовка жителей к чрезвычайным ситуациям", en: "emergency preparedness for residents"},
		{kk: "жоғалған адамдарды іздеу", ru: "поиск пропавших людей", en: "search for missing people"},
	},
	"ELDERLY_CARE": {
		{kk: "жалғызбасты қарттарға азық-түлік жеткізу", ru: "доставка продуктов одиноким пожилым людям", en: "grocery delivery for older people living alone"},
		{kk: "қарттар үйіндегі мерекелік концерт", ru: "праздничный концерт в доме престарелых", en: "holiday concert at a care home"},
		{kk: "күміс волонтерлер клубы", ru: "клуб серебряных волонтеров", en: "silver volunteers club"},
		{kk: "ардагерлерге үй шаруасына көмек", ru: "помощь ветеранам по хозяйству", en: "help with housework for veterans"},
	},
	"SPECIAL_NEEDS": {
		{kk: "мүмкіндігі шектеулі адамдарды сүйемелдеу", ru: "сопровождение людей с инвалидностью", en: "accompanying people with disabilities"},
		{kk: "ымдау тілі курстары", ru: "курсы жестового языка", en: "sign language courses"},
		{kk: "аутизмі бар балаларға арналған шығармашылық шеберхана", ru: "творческая мастерская для детей с аутизмом", en: "art workshop for children with autism"},
		{kk: "қоғамдық орындардың қолжетімділігін тексеру", ru: "проверка доступности общественных мест", en: "accessibility audit of public places"},
	},
	"CULTURAL_HERITAGE": {
		{kk: "ауыл тарихын жинау", ru: "сбор истории села", en: "collecting village history"},
		{kk: "мұрағат құжаттарын цифрландыру", ru: "оцифровка архивных документов", en: "digitising archive documents"},
		{kk: "Ұлы Жібек жолы бойынша экскурсиялар", ru: "экскурсии по Великому шёлковому пути", en: "Silk Road heritage tours"},
		{kk: "ескерткіштер маңындағы сенбілік", ru: "субботник у памятников", en: "clean-up at memorials"},
	},
	"LEGAL_AID": {
		{kk: "студенттерге құқықтық сауаттылық", ru: "правовая грамотность для студентов", en: "legal literacy for students"},
		{kk: "тұрғын үй мәселелері бойынша кеңес", ru: "консультации по жилищным вопросам", en: "advice on housing issues"},
		{kk: "тұтынушылар құқығын қорғау", ru: "защита прав потребителей", en: "consumer rights advice"},
		{kk: "еңбек құқығы бойынша кеңес беру", ru: "консультации по трудовому праву", en: "employment law advice"},
	},
	"EVENTS": {
		{kk: "қала күніндегі волонтерлер", ru: "волонтеры на Дне города", en: "volunteers at the city day festival"},
		{kk: "халықаралық конференцияны сүйемелдеу", ru: "сопровождение международной конференции", en: "supporting an international conference"},
		{kk: "Тәуелсіздік күніне арналған концерт", ru: "концерт ко Дню Независимости", en: "Independence Day concert"},
		{kk: "өңірлік волонтерлер форумы", ru: "региональный форум волонтеров", en: "regional volunteers forum"},
	},
	"ANIMAL_WELFARE": {
		{kk: "жануарлар баспанасына жем жинау", ru: "сбор корма для приюта животных", en: "food drive for an animal shelter"},
		{kk: "үй жануарларын стерилизациялау акциясы", ru: "акция по стерилизации домашних животных", en: "pet sterilisation drive"},
		{kk: "құстарға арналған жемсалғыштар", ru: "кормушки для птиц", en: "bird feeders"},
		{kk: "жабайы жануарларды құтқару", ru: "спасение диких животных", en: "wildlife rescue"},
	},
	"ETHNO": {
		{kk: "ұлттық ойындар фестивалі", ru: "фестиваль национальных игр", en: "festival of traditional games"},
		{kk: "Достық үйіндегі мәдени кеш", ru: "культурный вечер в Доме дружбы", en: "cultural evening at the House of Friendship"},
		{kk: "Қазақстан халқы тілдерінің күні", ru: "День языков народа Казахстана", en: "Day of the Languages of the People of Kazakhstan"},
		{kk: "ұлттық тағамдар шеберханасы", ru: "мастер-класс национальной кухни", en: "traditional cooking workshop"},
	},
	"MEDIA_ONLINE": {
		{kk: "волонтерлік жобалар туралы подкаст", ru: "подкаст о волонтерских проектах", en: "podcast about volunteer projects"},
		{kk: "жалған ақпаратқа қарсы фактчекинг", ru: "фактчекинг против фейков", en: "fact-checking against fake news"},
		{kk: "қайырымдылық ұйымдарына арналған сайттар", ru: "сайты для благотворительных организаций", en: "websites for charities"},
		{kk: "ағылшын тілінің онлайн клубы", ru: "онлайн-клуб английского языка", en: "online English club"},
	},
	"SPORTS": {
		{kk: "аулада таңғы жаттығу", ru: "утренняя зарядка во дворе", en: "morning exercise in the yard"},
		{kk: "жастар арасындағы волейбол турнирі", ru: "молодежный турнир по волейболу", en: "youth volleyball tournament"},
		{kk: "шахмат мектебі", ru: "шахматная школа", en: "chess school"},
		{kk: "скандинавиялық жүріс клубы", ru: "клуб скандинавской ходьбы", en: "Nordic walking club"},
	},
}

// phrase is one piece of text in the three languages.
type phrase struct{ kk, ru, en string }

// themeTasks are what volunteers of a theme do: a verb phrase that follows
// "Волонтерлер" / "Волонтеры" / "Volunteers".
var themeTasks = map[string][]phrase{
	"EDUCATION": {
		{"балаларға үй тапсырмасын орындауға көмектеседі", "помогают детям с домашними заданиями", "help children with homework"},
		{"ашық сабақтар өткізеді", "проводят открытые уроки", "run open lessons"},
		{"оқу құралдары мен кітаптар жинайды", "собирают учебники и книги", "collect textbooks and books"},
	},
	"HEALTHCARE": {
		{"науқастарға емхананың ішінде жол көрсетеді", "помогают пациентам сориентироваться в поликлинике", "guide patients around the polyclinic"},
		{"донорларды тіркейді", "регистрируют доноров", "register donors"},
		{"медицина қызметкерлеріне көмектеседі", "помогают медицинскому персоналу", "assist the medical staff"},
	},
	"ECOLOGY": {
		{"қоқыс жинап, сұрыптайды", "собирают и сортируют мусор", "collect and sort litter"},
		{"көшет отырғызып, суарады", "сажают и поливают саженцы", "plant and water saplings"},
		{"тұрғындарға экология сабақтарын өткізеді", "проводят экологические уроки для жителей", "give environmental lessons to residents"},
	},
	"SOCIAL_SUPPORT": {
		{"азық-түлік себеттерін жинап, таратады", "собирают и раздают продуктовые наборы", "pack and hand out food parcels"},
		{"жасөспірімдерге тәлімгер болады", "становятся наставниками для подростков", "mentor teenagers"},
		{"отбасыларға құжат жинауға көмектеседі", "помогают семьям собрать документы", "help families with paperwork"},
	},
	"EMERGENCY": {
		{"көмек жүктерін тиеп, жеткізеді", "грузят и доставляют помощь", "load and deliver aid"},
		{"штабта кезекшілік атқарады", "дежурят в штабе", "staff the response headquarters"},
		{"зардап шеккендерге ыстық тамақ таратады", "раздают горячее питание пострадавшим", "serve hot meals to those affected"},
	},
	"ELDERLY_CARE": {
		{"қарттардың үйіне барып, әңгімелеседі", "навещают пожилых людей и беседуют с ними", "visit older people at home and keep them company"},
		{"дәрі-дәрмек пен азық-түлік жеткізеді", "доставляют лекарства и продукты", "deliver medicines and groceries"},
		{"зейнеткерлерге смартфон қолдануды үйретеді", "учат пенсионеров пользоваться смартфоном", "teach pensioners to use smartphones"},
	},
	"SPECIAL_NEEDS": {
		{"пандустар орнатуға көмектеседі", "помогают устанавливать пандусы", "help install ramps"},
		{"мүмкіндігі шектеулі адамдарды сүйемелдейді", "сопровождают людей с инвалидностью", "accompany people with disabilities"},
		{"ерекше балалармен шығармашылық сабақ өткізеді", "проводят творческие занятия с особенными детьми", "run art classes for children with special needs"},
	},
	"CULTURAL_HERITAGE": {
		{"ескерткіштердің маңын тазалайды", "убирают территорию у памятников", "clean the grounds of monuments"},
		{"мұражайда экскурсия жүргізеді", "проводят экскурсии в музее", "guide museum tours"},
		{"тұрғындардың естеліктерін жазып алады", "записывают воспоминания жителей", "record residents' memories"},
	},
	"LEGAL_AID": {
		{"тұрғындарға тегін заң кеңесін береді", "бесплатно консультируют жителей по правовым вопросам", "give residents free legal advice"},
		{"мектептерде құқық сабақтарын өткізеді", "проводят уроки права в школах", "teach law lessons in schools"},
		{"өтініш жазуға көмектеседі", "помогают составить заявления", "help write applications"},
	},
	"EVENTS": {
		{"қонақтарды қарсы алып, жол көрсетеді", "встречают гостей и помогают сориентироваться", "welcome guests and show the way"},
		{"тіркеу орнында жұмыс істейді", "работают на стойке регистрации", "staff the registration desk"},
		{"іс-шараны ұйымдастыруға көмектеседі", "помогают в организации мероприятия", "help run the event"},
	},
	"ANIMAL_WELFARE": {
		{"иттерді серуендетеді", "выгуливают собак", "walk the dogs"},
		{"баспананы тазалап, жануарларды тамақтандырады", "убирают в приюте и кормят животных", "clean the shelter and feed the animals"},
		{"жануарларға жаңа иелерін іздейді", "ищут животным новых хозяев", "find new homes for animals"},
	},
	"ETHNO": {
		{"этномәдени бірлестіктермен бірге кештер өткізеді", "проводят вечера вместе с этнокультурными объединениями", "hold evenings together with ethnocultural associations"},
		{"ұлттық ойындарды үйретеді", "учат национальным играм", "teach traditional games"},
		{"тіл үйренуге көмектеседі", "помогают в изучении языков", "help people learn languages"},
	},
	"MEDIA_ONLINE": {
		{"жобалар туралы мақала мен бейне дайындайды", "готовят статьи и видео о проектах", "make articles and videos about projects"},
		{"онлайн кеңес береді", "консультируют онлайн", "give advice online"},
		{"әлеуметтік желілердегі парақшаларды жүргізеді", "ведут страницы в социальных сетях", "run social media pages"},
	},
	"SPORTS": {
		{"жарысқа қатысушыларды тіркейді", "регистрируют участников соревнований", "register competitors"},
		{"су тарату пункттерінде жұмыс істейді", "работают на пунктах питания", "staff refreshment points"},
		{"балаларға жаттығу өткізеді", "проводят тренировки для детей", "coach children"},
	},
}

// audiences are who a project is for: Kazakh in the dative (before
// "арналған"), Russian in the dative (after "адресован").
var audiences = []phrase{
	{"мектеп оқушыларына", "школьникам", "schoolchildren"},                                                  // 0
	{"студенттерге", "студентам", "students"},                                                               // 1
	{"ауыл тұрғындарына", "жителям сёл", "village residents"},                                               // 2
	{"қала тұрғындарына", "жителям города", "city residents"},                                               // 3
	{"көп балалы отбасыларға", "многодетным семьям", "large families"},                                      // 4
	{"жалғызбасты қарттарға", "одиноким пожилым людям", "older people living alone"},                        // 5
	{"мүмкіндігі шектеулі адамдарға", "людям с инвалидностью", "people with disabilities"},                  // 6
	{"ерекше қажеттіліктері бар балаларға", "детям с особыми потребностями", "children with special needs"}, // 7
	{"жастарға", "молодежи", "young people"},                                                                // 8
	{"зейнеткерлерге", "пенсионерам", "pensioners"},                                                         // 9
	{"науқастар мен олардың жақындарына", "пациентам и их близким", "patients and their families"},          // 10
	{"зардап шеккен отбасыларға", "пострадавшим семьям", "affected families"},                               // 11
	{"жұмыс іздеп жүргендерге", "тем, кто ищет работу", "job seekers"},                                      // 12
	{"ардагерлерге", "ветеранам", "veterans"},                                                               // 13
	{"барлық тілек білдірушілерге", "всем желающим", "anyone interested"},                                   // 14
	{"жануарлар иелеріне", "владельцам животных", "pet owners"},                                             // 15
}

// The audiences a project's place decides between.
const audVillage, audCity = 2, 3

// themeAudiences indexes audiences per theme.
var themeAudiences = map[string][]int{
	"EDUCATION":         {0, 1, 2, 8},
	"HEALTHCARE":        {10, 3, 9, 14},
	"ECOLOGY":           {3, 2, 0, 14},
	"SOCIAL_SUPPORT":    {4, 11, 12, 8},
	"EMERGENCY":         {11, 2, 3},
	"ELDERLY_CARE":      {5, 9, 13},
	"SPECIAL_NEEDS":     {6, 7},
	"CULTURAL_HERITAGE": {0, 1, 14, 3},
	"LEGAL_AID":         {3, 1, 0, 12},
	"EVENTS":            {14, 3, 8},
	"ANIMAL_WELFARE":    {15, 3, 14},
	"ETHNO":             {14, 8, 3},
	"MEDIA_ONLINE":      {8, 9, 14},
	"SPORTS":            {0, 8, 14, 7},
}

// closingSentences are general sentences a description ends with.
var closingSentences = []phrase{
	{"Волонтерлерге алдын ала нұсқау мен қажетті құрал-жабдық беріледі.", "Волонтеры проходят инструктаж и получают необходимое снаряжение.", "Volunteers are briefed and given the equipment they need."},
	{"Жоба жергілікті әкімдікпен бірлесіп жүзеге асырылады.", "Проект реализуется совместно с местным акиматом.", "The project is run together with the local akimat."},
	{"Өтінімдер телефон және әлеуметтік желілер арқылы қабылданады.", "Заявки принимаются по телефону и через социальные сети.", "Requests are taken by phone and through social media."},
	{"Қатысуға студенттер мен мектеп түлектері шақырылады.", "К участию приглашаются студенты и выпускники школ.", "Students and school leavers are invited to take part."},
	{"Волонтерлер демалыс күндері кезекпен жұмыс істейді.", "Волонтеры работают посменно по выходным.", "Volunteers work in shifts at weekends."},
	{"Тәжірибе алмасу үшін ай сайын кездесу өтеді.", "Для обмена опытом ежемесячно проходят встречи.", "Monthly meetings are held to share experience."},
	{"Жобаның нәтижелері ұйымның сайтында жарияланады.", "Итоги проекта публикуются на сайте организации.", "Results are published on the organization's website."},
	{"Белсенді волонтерлер алғыс хатпен марапатталады.", "Самые активные волонтеры получают благодарственные письма.", "The most active volunteers receive letters of thanks."},
	{"Жобаға серіктес ретінде жергілікті кәсіпкерлер қосылды.", "Партнерами проекта стали местные предприниматели.", "Local businesses joined as partners."},
	{"Волонтерлік сағаттар әр волонтердің кітапшасына жазылады.", "Волонтерские часы записываются в книжку каждого волонтера.", "Volunteer hours are recorded in each volunteer's logbook."},
	{"Жоба жастар ресурстық орталығының қолдауымен өтеді.", "Проект проходит при поддержке молодежного ресурсного центра.", "The project is supported by the youth resource centre."},
	{"Көмек сұраған әр адамға жауап беріледі.", "Каждое обращение за помощью получает ответ.", "Every request for help gets an answer."},
}

// grantProgrammes are the national programme's small-grant lines, by the
// direction they fund.
var grantProgrammes = map[string]string{
	"SOCIAL_SUPPORT": "Birgemiz: Qamqor", "ELDERLY_CARE": "Birgemiz: Qamqor", "SPECIAL_NEEDS": "Birgemiz: Qamqor",
	"EDUCATION": "Birgemiz: Bilim", "ECOLOGY": "Birgemiz: Taza Álem", "HEALTHCARE": "Birgemiz: Saýlyq",
}

// orgNames are names organizations and projects go by: a Kazakh or Russian
// word or phrase, quoted in kk and ru, and its English form.
var orgNames = []phrase{
	{"Мейірім", "Мейірім", "Meirim"}, {"Қамқорлық", "Қамқорлық", "Qamqorlyq"}, {"Ізгілік", "Ізгілік", "Izgilik"},
	{"Жарқын болашақ", "Жарқын болашақ", "Bright Future"}, {"Көмек қолы", "Көмек қолы", "Helping Hand"},
	{"Алтын жүрек", "Алтын жүрек", "Golden Heart"}, {"Бірлік", "Бірлік", "Birlik"}, {"Достық", "Достық", "Dostyk"},
	{"Шапағат", "Шапағат", "Shapagat"}, {"Таза өлке", "Таза өлке", "Clean Land"}, {"Жасыл ел", "Жасыл ел", "Green Country"},
	{"Ақ жол", "Ақ жол", "Ak Zhol"}, {"Үміт", "Үміт", "Umit"}, {"Сенім", "Сенім", "Senim"}, {"Жігер", "Жігер", "Zhiger"},
	{"Қайырым", "Қайырым", "Kaiyrym"}, {"Нұр", "Нұр", "Nur"}, {"Самға", "Самға", "Samga"}, {"Жұлдыз", "Жұлдыз", "Zhuldyz"},
	{"Ақниет", "Ақниет", "Akniet"}, {"Шуақ", "Шуақ", "Shuak"}, {"Арман", "Арман", "Arman"},
	{"Жастар үні", "Жастар үні", "Voice of Youth"}, {"Өркен", "Өркен", "Orken"}, {"Тұмар", "Тұмар", "Tumar"},
	{"Атамекен", "Атамекен", "Atameken"}, {"Ұрпақ", "Ұрпақ", "Urpak"}, {"Береке", "Береке", "Bereke"},
	{"Мерей", "Мерей", "Merei"}, {"Жанашыр", "Жанашыр", "Zhanashyr"}, {"Шамшырақ", "Шамшырақ", "Shamshyrak"},
	{"Көкжиек", "Көкжиек", "Kokzhiek"}, {"Бәйтерек", "Бәйтерек", "Baiterek"}, {"Асар", "Асар", "Asar"},
	{"Қанат", "Қанат", "Kanat"}, {"Ерлік", "Ерлік", "Erlik"}, {"Жаңа леп", "Жаңа леп", "New Wave"},
	{"Тілек", "Тілек", "Tilek"}, {"Бақытты бала", "Бақытты бала", "Happy Child"}, {"Дала", "Дала", "Dala"},
	{"Доброе дело", "Доброе дело", "Good Deed"}, {"Милосердие", "Милосердие", "Mercy"}, {"Надежда", "Надежда", "Hope"},
	{"Рука помощи", "Рука помощи", "Helping Hand Plus"}, {"Тёплый дом", "Тёплый дом", "Warm Home"},
	{"Зелёный город", "Зелёный город", "Green City"}, {"Чистый берег", "Чистый берег", "Clean Shore"},
	{"Добрые соседи", "Добрые соседи", "Good Neighbours"}, {"Открытое сердце", "Открытое сердце", "Open Heart"},
	{"Вместе", "Вместе", "Together"}, {"Радуга", "Радуга", "Rainbow"}, {"Пульс", "Пульс", "Pulse"},
	{"Лапа дружбы", "Лапа дружбы", "Friendly Paw"}, {"Наследие", "Наследие", "Heritage"}, {"Право для всех", "Право для всех", "Law for All"},
}

// orgForm is how a kind of organization is named around its name: %s is
// the name in quotes (kk, ru) or as it is (en).
type orgForm struct {
	kind       string
	kk, ru, en string
}

var orgForms = []orgForm{
	{"PUBLIC_FOUNDATION", "%s қоғамдық қоры", "Общественный фонд %s", "%s Public Foundation"},
	{"NGO", "%s қоғамдық бірлестігі", "Общественное объединение %s", "%s Public Association"},
	{"NGO", "%s волонтерлік орталығы", "Волонтерский центр %s", "%s Volunteer Centre"},
	{"INITIATIVE_GROUP", "%s бастамашыл тобы", "Инициативная группа %s", "%s Initiative Group"},
	{"UNIVERSITY", "%s студенттік волонтерлер клубы", "Студенческий волонтерский клуб %s", "%s Student Volunteer Club"},
	{"OTHER", "%s волонтерлер қозғалысы", "Волонтерское движение %s", "%s Volunteer Movement"},
}

// orgFormWeights are the shares of orgForms.
var orgFormWeights = []int{25, 18, 14, 20, 8, 8}

// stateBodyForm names a state body: a youth resource centre of a town.
var stateBodyForm = orgForm{"STATE_BODY", "%s жастар ресурстық орталығы", "Молодежный ресурсный центр (%s)", "%s Youth Resource Centre"}

// UN placements: host entities with the duty stations they offer, and
// assignment titles.
type unDuty struct {
	country, station string
}

var unHosts = []struct {
	entity string
	sdgs   []int
	duties []unDuty
}{
	{"UNDP", []int{1, 5, 13, 16}, []unDuty{{"KZ", "Astana"}, {"KG", "Bishkek"}, {"UZ", "Tashkent"}, {"TJ", "Dushanbe"}, {"GE", "Tbilisi"}, {"TR", "Ankara"}, {"TH", "Bangkok"}, {"US", "New York"}}},
	{"UNICEF", []int{3, 4, 6}, []unDuty{{"KZ", "Astana"}, {"KZ", "Almaty"}, {"KG", "Bishkek"}, {"JO", "Amman"}, {"KE", "Nairobi"}, {"CH", "Geneva"}}},
	{"UNHCR", []int{10, 16}, []unDuty{{"KZ", "Almaty"}, {"TR", "Gaziantep"}, {"JO", "Amman"}, {"KE", "Kakuma"}, {"UG", "Kampala"}, {"AF", "Kabul"}}},
	{"WFP", []int{2}, []unDuty{{"KE", "Nairobi"}, {"JO", "Amman"}, {"TJ", "Dushanbe"}, {"IT", "Rome"}, {"AF", "Kabul"}}},
	{"WHO", []int{3}, []unDuty{{"KZ", "Almaty"}, {"DK", "Copenhagen"}, {"CH", "Geneva"}, {"UZ", "Tashkent"}}},
	{"UNFPA", []int{3, 5}, []unDuty{{"KZ", "Astana"}, {"TR", "Istanbul"}, {"TH", "Bangkok"}}},
	{"UN Women", []int{5}, []unDuty{{"KZ", "Almaty"}, {"KG", "Bishkek"}, {"TH", "Bangkok"}, {"US", "New York"}}},
	{"FAO", []int{2, 15}, []unDuty{{"TR", "Ankara"}, {"IT", "Rome"}, {"HU", "Budapest"}}},
	{"UNEP", []int{12, 13, 14, 15}, []unDuty{{"KE", "Nairobi"}, {"CH", "Geneva"}, {"TH", "Bangkok"}}},
	{"UNESCO", []int{4, 11}, []unDuty{{"KZ", "Almaty"}, {"FR", "Paris"}, {"TH", "Bangkok"}}},
	{"IOM", []int{8, 10}, []unDuty{{"KZ", "Astana"}, {"TR", "Ankara"}, {"AT", "Vienna"}}},
	{"UNODC", []int{16}, []unDuty{{"KZ", "Astana"}, {"UZ", "Tashkent"}, {"AT", "Vienna"}}},
	{"OCHA", []int{1, 16}, []unDuty{{"JO", "Amman"}, {"KE", "Nairobi"}, {"TR", "Gaziantep"}}},
	{"UNV", []int{17}, []unDuty{{"DE", "Bonn"}, {"TH", "Bangkok"}, {"KZ", "Astana"}}},
}

var unTitles = []phrase{
	{"Бағдарлама бойынша ассистент", "Ассистент по программам", "Programme Associate"},
	{"Коммуникация жөніндегі маман", "Специалист по коммуникациям", "Communications Officer"},
	{"Мониторинг және бағалау жөніндегі маман", "Специалист по мониторингу и оценке", "Monitoring and Evaluation Officer"},
	{"Жастар істері жөніндегі маман", "Специалист по делам молодежи", "Youth Officer"},
	{"Денсаулық сақтау бағдарламасының маманы", "Специалист программы здравоохранения", "Health Programme Officer"},
	{"Білім беру жөніндегі маман", "Специалист по образованию", "Education Officer"},
	{"Гуманитарлық істер жөніндегі маман", "Специалист по гуманитарным вопросам", "Humanitarian Affairs Officer"},
	{"Климат және қоршаған орта жөніндегі маман", "Специалист по климату и окружающей среде", "Climate and Environment Officer"},
	{"Гендерлік теңдік жөніндегі маман", "Специалист по гендерному равенству", "Gender Equality Officer"},
	{"Деректерді талдау жөніндегі маман", "Специалист по анализу данных", "Data Analyst"},
	{"Жабдықтау жөніндегі ассистент", "Ассистент по закупкам", "Procurement Associate"},
	{"Босқындарды қорғау жөніндегі ассистент", "Ассистент по защите беженцев", "Protection Associate"},
	{"Онлайн аудармашы", "Онлайн-переводчик", "Online Translator"},
}

var (
	unCategories       = []string{"INTERNATIONAL_SPECIALIST", "INTERNATIONAL_YOUTH", "NATIONAL_SPECIALIST", "NATIONAL_YOUTH", "ONLINE", "UNIVERSITY"}
	unCategoryWeights  = []int{30, 15, 20, 15, 15, 5}
	unFundings         = []string{"GOVERNMENT_OF_KAZAKHSTAN", "UN_ENTITY", "DONOR_COUNTRY", "PRIVATE_SECTOR"}
	unFundingWeights   = []int{30, 45, 20, 5}
	natRoles           = []string{"волонтер", "координатор", "тәлімгер", "фотограф", "жүргізуші", "аудармашы", "медиаволонтер", "тіркеуші"}
	natRoleWeights     = []int{64, 8, 8, 4, 4, 3, 5, 4}
	natSkills          = append(append([]string{}, skills...), "алғашқы көмек", "видеомонтаж", "ымдау тілі", "психология", "аударма", "бағдарламалау")
	natLanguageSets    = [][]string{{"kk", "ru"}, {"kk"}, {"ru"}, {"kk", "ru", "en"}, {"ru", "en"}}
	natLanguageWeights = []int{48, 22, 12, 14, 4}
)

// kkLatin writes Kazakh Cyrillic in the 2018 Latin alphabet (the one the
// article feeds' tags use), for tags that search tests find across scripts.
func kkLatin(s string) string {
	var b strings.Builder
	for _, r := range s {
		lower := unicode.ToLower(r)
		m, ok := kkLatinMap[lower]
		if !ok {
			b.WriteRune(r)
			continue
		}
		if lower != r && m != "" {
			first, size := utf8.DecodeRuneInString(m)
			b.WriteRune(unicode.ToUpper(first))
			m = m[size:]
		}
		b.WriteString(m)
	}
	return b.String()
}

var kkLatinMap = map[rune]string{
	'а': "a", 'ә': "á", 'б': "b", 'в': "v", 'г': "g", 'ғ': "ǵ", 'д': "d", 'е': "e", 'ё': "ıo", 'ж': "j", 'з': "z",
	'и': "ı", 'й': "ı", 'к': "k", 'қ': "q", 'л': "l", 'м': "m", 'н': "n", 'ң': "ń", 'о': "o", 'ө': "ó", 'п': "p",
	'р': "r", 'с': "s", 'т': "t", 'у': "ý", 'ұ': "u", 'ү': "ú", 'ф': "f", 'х': "h", 'һ': "h", 'ц': "ts", 'ч': "ch",
	'ш': "sh", 'щ': "shch", 'ъ': "", 'ы': "y", 'і': "i", 'ь': "", 'э': "e", 'ю': "ıý", 'я': "ıa",
}
