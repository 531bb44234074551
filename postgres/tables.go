package postgres

import (
	"context"
	"fmt"
	"strings"
	"unicode"

	"github.com/jackc/pgx/v5"

	hub "github.com/birgemiz/hub"
)

// tables maps each record type to how it is stored.
var tables = map[hub.RecordType]*recordTable{
	hub.TypeOrganization: {
		typ: hub.TypeOrganization, table: "organizations", seq: "organizations_id_seq",
		cols: cols("name_kk text", "name_ru text", "name_en text", "sort_name text", "bin text", "kind text",
			"region_code text", "directions text[]", "website text", "contact_email text", "contact_phone text",
			"founded date", "volunteer_count integer", "match_names text[]"),
		values: func(r *hub.FeedRecord, a *applier) []any {
			o := r.Organization
			return []any{str(o.Name.KK), str(o.Name.RU), str(o.Name.EN), sortKey(o.Name), str(o.BIN), string(o.Kind),
				str(o.RegionCode), list(o.Directions), str(o.Website), str(o.ContactEmail), str(o.ContactPhone),
				o.Founded, o.VolunteerCount, list(o.MatchNames())}
		},
		// The same organization from another source: the same BIN, or,
		// when either has none, a shared normalized name in the same region.
		match: `(SELECT o.id FROM organizations o WHERE o.deleted_at IS NULL AND (
				(s.bin IS NOT NULL AND o.bin = s.bin)
				OR ((s.bin IS NULL OR o.bin IS NULL) AND o.region_code IS NOT DISTINCT FROM s.region_code AND o.match_names && s.match_names))
			ORDER BY (o.bin IS NOT NULL AND o.bin = s.bin) DESC, o.id LIMIT 1)`,
		fixups: []fixupSQL{
			fixup("projects", "organization_id", "organization_ref", hub.TypeProject, "id"),
			fixup("volunteer_organizations", "organization_id", "organization_ref", hub.TypeVolunteer, "volunteer_id"),
		},
	},
	hub.TypeProject: {
		typ: hub.TypeProject, table: "projects", seq: "projects_id_seq",
		cols: cols("organization_ref text", "title_kk text", "title_ru text", "title_en text", "sort_title text",
			"description_kk text", "description_ru text", "description_en text", "region_code text", "locality text",
			"lat double precision", "lon double precision", "directions text[]", "status text", "start_date date",
			"end_date date", "volunteers_needed integer", "volunteers_engaged integer", "volunteer_hours double precision",
			"beneficiaries integer", "grant_programme text", "grant_amount_kzt bigint", "tags text[]", "url text"),
		refs: []refCol{ref("organization_id", hub.TypeOrganization, "organizations", "organization_ref")},
		values: func(r *hub.FeedRecord, a *applier) []any {
			p := r.Project
			return []any{str(r.OrganizationRef), str(p.Title.KK), str(p.Title.RU), str(p.Title.EN), sortKey(p.Title),
				str(p.Description.KK), str(p.Description.RU), str(p.Description.EN), p.RegionCode, str(p.Locality),
				p.Lat, p.Lon, list(p.Directions), string(p.Status), p.StartDate,
				p.EndDate, p.VolunteersNeeded, p.VolunteersEngaged, p.VolunteerHours,
				p.Beneficiaries, str(p.GrantProgramme), p.GrantAmountKZT, list(p.Tags), str(p.URL)}
		},
		fixups: []fixupSQL{fixup("participations", "project_id", "project_ref", hub.TypeParticipation, "id")},
	},
	hub.TypeVolunteer: {
		typ: hub.TypeVolunteer, table: "volunteers", seq: "volunteers_id_seq",
		cols: cols("region_code text", "gender text", "birth_year smallint", "languages text[]", "skills text[]",
			"directions text[]", "registered_at date", "status text"),
		values: func(r *hub.FeedRecord, a *applier) []any {
			v := r.Volunteer
			vals := []any{v.RegionCode, string(v.Gender), v.BirthYear, list(v.Languages), list(v.Skills),
				list(v.Directions), v.RegisteredAt, string(v.Status), list(r.OrganizationRefs)}
			if p := r.Personal; p != nil {
				return append(vals, a.matchHash("iin", p.IIN), a.matchHash("phone", hub.NormalizePhone(p.Phone)))
			}
			return append(vals, nil, nil)
		},
		// The organization references and the matching hashes are staged
		// with the record but written to their own tables by
		// writeVolunteerSides. The personal part is not staged at all: it is
		// sealed in Go once the volunteers' ids are known, and written
		// sealed (see writePersonal).
		staged: cols("organization_refs text[]", "iin_hash bytea", "phone_hash bytea"),
		// The same person from another source: the same IIN, else the same
		// phone, compared by keyed hash.
		match: `(SELECT vi.volunteer_id FROM volunteer_identities vi JOIN volunteers v ON v.id = vi.volunteer_id
			WHERE v.deleted_at IS NULL AND ((vi.kind = 'iin' AND vi.hash = s.iin_hash) OR (vi.kind = 'phone' AND vi.hash = s.phone_hash))
			ORDER BY vi.kind = 'iin' DESC LIMIT 1)`,
		after: writeVolunteerSides,
		fixups: []fixupSQL{
			fixup("participations", "volunteer_id", "volunteer_ref", hub.TypeParticipation, "id"),
			fixup("un_placements", "volunteer_id", "volunteer_ref", hub.TypeUNPlacement, "id"),
		},
	},
	hub.TypeParticipation: {
		typ: hub.TypeParticipation, table: "participations", seq: "participations_id_seq",
		cols: cols("volunteer_ref text", "project_ref text", "role text", "hours double precision", "start_date date", "end_date date"),
		refs: []refCol{
			ref("volunteer_id", hub.TypeVolunteer, "volunteers", "volunteer_ref"),
			ref("project_id", hub.TypeProject, "projects", "project_ref"),
		},
		values: func(r *hub.FeedRecord, a *applier) []any {
			p := r.Participation
			return []any{r.VolunteerRef, r.ProjectRef, str(p.Role), p.Hours, p.StartDate, p.EndDate}
		},
	},
	hub.TypeUNPlacement: {
		typ: hub.TypeUNPlacement, table: "un_placements", seq: "un_placements_id_seq",
		cols: cols("volunteer_ref text", "host_entity text", "country text", "duty_station text", "title_kk text",
			"title_ru text", "title_en text", "category text", "funding text", "start_date date", "end_date date",
			"status text", "sdgs smallint[]"),
		refs: []refCol{ref("volunteer_id", hub.TypeVolunteer, "volunteers", "volunteer_ref")},
		values: func(r *hub.FeedRecord, a *applier) []any {
			u := r.UNPlacement
			sdgs := u.SDGs
			if sdgs == nil {
				sdgs = []int{}
			}
			return []any{str(r.VolunteerRef), u.HostEntity, u.Country, str(u.DutyStation), str(u.Title.KK),
				str(u.Title.RU), str(u.Title.EN), str(u.Category), str(u.Funding), u.StartDate, u.EndDate,
				string(u.Status), sdgs}
		},
	},
	hub.TypeIndicator: {
		typ: hub.TypeIndicator, table: "indicators", seq: "indicators_id_seq",
		cols: cols("metric text", "value double precision", "unit text", "period text", "period_start date",
			"period_end date", "region_code text", "citation_url text", "note_kk text", "note_ru text", "note_en text"),
		values: func(r *hub.FeedRecord, a *applier) []any {
			i := r.Indicator
			return []any{i.Metric, i.Value, str(i.Unit), i.Period, i.PeriodStart, i.PeriodEnd, str(i.RegionCode),
				str(i.CitationURL), str(i.Note.KK), str(i.Note.RU), str(i.Note.EN)}
		},
	},
}

// writeVolunteerSides replaces the organization links and the personal part
// of the volunteers just written, and erases the personal part of deleted
// ones. An upsert without a personal part (or without consent) removes a
// personal part stored before: the hub keeps only what the source still
// holds with consent.
func writeVolunteerSides(ctx context.Context, a *applier, t *recordTable, recs []*hub.FeedRecord) error {
	stmts := []struct {
		sql  string
		args []any
	}{
		// Only this source's memberships: another source's links to a volunteer they share stay.
		{`DELETE FROM volunteer_organizations vo USING outcome o
			WHERE vo.volunteer_id = o.record_id AND vo.source_id = $1 AND o.result IN ('created', 'updated', 'deleted')`, []any{a.sourceID}},
		{`INSERT INTO volunteer_organizations (volunteer_id, source_id, organization_ref, organization_id)
			SELECT o.record_id, $1, ref.ext_id, (SELECT pv.record_id FROM provenance pv JOIN organizations r ON r.id = pv.record_id
				WHERE pv.record_type = 'organization' AND pv.source_id = $1 AND pv.external_id = ref.ext_id)
			FROM outcome o JOIN ` + t.stage() + ` s ON s.ext_id = o.ext_id, unnest(s.organization_refs) AS ref(ext_id)
			WHERE o.result IN ('created', 'updated')
			ON CONFLICT DO NOTHING`, []any{a.sourceID}},
		{`INSERT INTO volunteer_identities (kind, hash, volunteer_id)
			SELECT k.kind, k.hash, o.record_id FROM outcome o JOIN ` + t.stage() + ` s ON s.ext_id = o.ext_id,
				LATERAL (VALUES ('iin', s.iin_hash), ('phone', s.phone_hash)) AS k(kind, hash)
			WHERE o.result IN ('created', 'updated') AND k.hash IS NOT NULL
			ON CONFLICT DO NOTHING`, nil},
	}
	for i, q := range stmts {
		if _, err := a.tx.Exec(ctx, q.sql, q.args...); err != nil {
			return fmt.Errorf("volunteer side table (step %d): %w", i+1, err)
		}
	}
	return writePersonal(ctx, a, recs)
}

// writePersonal writes the personal parts of the volunteers just written,
// sealed in Go under the current key and bound to each volunteer's id, and
// erases those of volunteers deleted or now sent without one. It stays
// set-based: one read of the chunk's outcome, then one DELETE and one
// INSERT … ON CONFLICT over arrays, whatever the chunk's size.
func writePersonal(ctx context.Context, a *applier, recs []*hub.FeedRecord) error {
	personal := make(map[string]*hub.VolunteerPersonal)
	for _, r := range recs {
		if r.Op == hub.OpUpsert && r.Personal != nil {
			personal[r.ExternalID] = r.Personal
		}
	}
	rows, err := a.tx.Query(ctx, `SELECT ext_id, record_id, result FROM outcome WHERE result IN ('created', 'updated', 'deleted')`)
	if err != nil {
		return fmt.Errorf("personal data: %w", err)
	}
	var erase, ids []int64
	var sealed [][]byte
	at := make(map[int64]int)
	var extID, result string
	var id int64
	if _, err := pgx.ForEachRow(rows, []any{&extID, &id, &result}, func() error {
		p := personal[extID]
		if result == "deleted" || p == nil {
			erase = append(erase, id)
			return nil
		}
		b, err := sealPersonal(a.keys, id, p)
		if err != nil {
			return err
		}
		// Two ids of a chunk naming one volunteer: the last one wins, as
		// ON CONFLICT cannot touch a row twice.
		if i, seen := at[id]; seen {
			sealed[i] = b
			return nil
		}
		at[id] = len(ids)
		ids, sealed = append(ids, id), append(sealed, b)
		return nil
	}); err != nil {
		return fmt.Errorf("personal data: %w", err)
	}
	if len(erase) > 0 {
		if _, err := a.tx.Exec(ctx, `DELETE FROM volunteer_personal WHERE volunteer_id = ANY($1)`, erase); err != nil {
			return fmt.Errorf("erase personal data: %w", err)
		}
	}
	if len(ids) > 0 {
		if _, err := a.tx.Exec(ctx, `
			INSERT INTO volunteer_personal (volunteer_id, sealed, key_id, updated_at)
			SELECT u.volunteer_id, u.sealed, $3, $4 FROM unnest($1::bigint[], $2::bytea[]) AS u(volunteer_id, sealed)
			ON CONFLICT (volunteer_id) DO UPDATE SET sealed = EXCLUDED.sealed, key_id = EXCLUDED.key_id, updated_at = EXCLUDED.updated_at`,
			ids, sealed, a.keys.Primary(), a.now); err != nil {
			return fmt.Errorf("write personal data: %w", err)
		}
	}
	return nil
}

func cols(defs ...string) []stageCol {
	out := make([]stageCol, len(defs))
	for i, d := range defs {
		name, typ, _ := strings.Cut(d, " ")
		out[i] = stageCol{name, typ}
	}
	return out
}

// str maps "" to NULL so that absent text is absent in the database too.
func str(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// list maps nil to an empty array: list columns are NOT NULL.
func list(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// sortKey is the text in fallback order, lower-cased and without leading
// quotes or punctuation («Теплые встречи» sorts under т), for sorting by
// name or title.
func sortKey(t hub.LocalizedText) string {
	return strings.ToLower(strings.TrimLeftFunc(t.Get(""), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }))
}
