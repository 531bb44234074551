// Package demo owns the sample data that `hub demo` loads: canonical NDJSON
// feeds that go through the normal feed pipeline like any platform's batch.
// Feeds returns them with their sources; nothing here touches a database.
//
// # Article feeds
//
// Three feeds (feeds/*.ndjson, embedded) are transcribed by hand from the
// public articles in ../shared/seeds/. Titles, names and descriptions are
// short factual summaries in Kazakh and Russian (and English), not quotations.
// No person is recorded: the articles name officials and a foundation's
// director, and none of them appears in any record.
//
//   - baq-kz, from BAQ.KZ's Kazakh report on the International Volunteers Forum
//     in Astana (2023): the forum (400+ participants, 2 days), the Ekibastuz
//     emergency aid points (300+ volunteers), the Abai Region forest fires
//     (3 headquarters, 300+ volunteers a day), the «Біргеміз» front office,
//     and indicators: 682 volunteer organizations (50 in 2019), 200 000
//     volunteers (50 000 in 2019), 24 000 front-office events with 120 000
//     volunteers, 500 tonnes of aid, 150 yurts and 10 million US dollars for
//     Turkey, 7 government-funded UN volunteers in 4 countries, 16 countries
//     with such a programme. The article gives no dates for the forum, the
//     emergencies or the placements, so those records have none.
//   - izgi-kz, from the Russian article on the «Акселератор добра» legal-aid
//     movement «Ізгілік елшісі – Акселератор добра» (Year of the Volunteer,
//     2020; the article names izgi.kz as its site): the movement and the
//     organizations present at its presentation (24 February 2020), the
//     legal-aid project with 3 500 volunteers and 1 000 deeds, and legal
//     literacy teaching.
//   - kokshetau-asia, from Kokshetau.asia's Russian article on youth
//     volunteering in Akmola Region: the foundation «Доброе сердце Lider.kz»
//     (50+ volunteers, 1 million+ families helped) and its boarding house
//     (22 places), «Теплые встречи» of the initiative group «Семья
//     Лутошкиных», «Диспетчерская служба» (400+ requests, 15 regular
//     beneficiaries, 20 ramps), 23 «Birgemiz: Qamqor» small grants, 18 youth
//     organizations, 84 volunteer centres, 12 000 young people served, and
//     1 180 volunteers and 90 organizations on qazvolunteer.kz. The article
//     is undated; its indicators carry the approximate period 2022 and say so.
//
// Figures published as "more than N" are recorded as N, and each indicator's
// note says it is a lower bound. Citation URLs are the publications' site
// roots, since the articles' own addresses are not in the seeds. BINs are left
// empty: none is in the articles.
//
// # What is illustrative
//
// The forum article says only that 7 Kazakhstanis serve in UN structures in
// Kenya, Jordan, Turkey and Thailand with the Government's support. The seven
// un_placement records keep those facts (count, countries, funding
// GOVERNMENT_OF_KAZAKHSTAN, status ACTIVE); their host entities, duty
// stations and split across the four countries are plausible choices, and
// every such record says so: category ILLUSTRATIVE and a title reading
// "assignment not published; host entity illustrative".
//
// # Synthetic feed
//
// Synthetic generates, from a seed, made-up organizations, projects,
// volunteers and participations over all 20 regions for load, statistics and
// search tests. Every name and title says "Synthetic"/"Синтетикалық"/
// "Синтетический"; personal parts (about one volunteer in ten) use
// example.invalid addresses and carry a synthetic consent; no record has an
// IIN. Project themes are realistic (park clean-up, tutoring, elderly visits)
// and some tags are Kazakh in Latin script, so search tests have real words.
//
// # Scaled datasets
//
// `hub demo --scale NAME` loads, with the article feeds, a larger made-up
// dataset that ScaleGenerator makes (national.go) from Scales:
//
//	scale     organizations  projects  volunteers  participations  UN placements  indicators
//	region              100     1,000      10,000          50,000             20         301
//	national          1,000   100,000   1,000,000       5,000,000          2,000         301
//
// Its source is "synthetic-region" or "synthetic-national" (kind SYNTHETIC),
// and its ids start with "reg-" or "nat-". Organizations, projects and
// volunteers are spread over the 20 regions by the population weights of
// regionPlaces (the three cities weighted up by a third: volunteering is
// more common there), so Almaty, Turkistan Region, Astana and Shymkent have
// the most; projects are in the regions' towns, villages and city
// districts (regionLocalities). Names, titles and descriptions are written
// in Kazakh, Russian and English from the vocabulary in national_words.go:
// the activities, places and people of the seed articles and the themes
// above, combined per record, with no sentence taken from an article. They
// read as real ones do and do not say "synthetic"; what says it is the
// source, the "synthetic" tag of every project, the example.invalid web
// sites and addresses, the "Synthetic Volunteer" names of the personal
// parts (one volunteer in ten, with a synthetic consent, never an IIN) and
// the notes of the reported figures.
//
// Dates run over 2019–2025 (registrations and project starts growing year
// by year), and statuses follow them: a project that ended is COMPLETED,
// one in 2026 PLANNED. A volunteer has 1 to 9 participations (pairs of
// volunteers share ten, so there are exactly five per volunteer), mostly in
// active or completed projects of the volunteer's region, with hours by the
// kind of work. Indicators are what the records add up to per region and
// year, rounded and a few per cent off, as published figures are.
//
// The generator streams: it keeps the organizations and projects (for the
// national scale some tens of megabytes) and counts, in a first pass over
// the volunteers, what their participations and memberships add up to;
// every volunteer's records are drawn from a generator seeded by its
// number, so the second pass, which writes them, makes the same ones. Only
// one batch is held at a time. The same scale gives the same bytes.
//
// Batches come in four phases (organizations and indicators; projects;
// volunteers, each followed by its participations; UN placements). A batch
// refers only to earlier phases and to earlier lines of itself, so a
// phase's batches can be applied side by side, and a reference never waits
// for a record another worker is still writing: one that did would not
// resolve, as the other transaction's fixups cannot see it.
package demo
