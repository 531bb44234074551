package ingest

import (
	"errors"
	"strings"

	"github.com/birgemiz/hub"
)

// The data decoders: one per record type, each reading the fields the SPEC
// names for it, then checking what is required and calling the type's
// Validate, so that the rules live in the domain and the feed only adds
// the feed's own (JSON types, required fields, consent).

const (
	textRequired   = `is required (an object like {"kk": "…", "ru": "…"})`
	statusRequired = "is required (one of PLANNED, ACTIVE, COMPLETED, CANCELLED)"
)

// decodeData reads the data object of an upsert into rec. It returns the
// message for personal fields refused for want of consent, or "".
func (d *recordDecoder) decodeData(rec *hub.FeedRecord, v []byte) (refused string) {
	d.data = d.unique(members(v, d.data[:0]), "data")

	switch rec.Type {
	case hub.TypeOrganization:
		d.organization(rec)
	case hub.TypeProject:
		d.project(rec)
	case hub.TypeVolunteer:
		refused = d.volunteer(rec)
	case hub.TypeParticipation:
		d.participation(rec)
	case hub.TypeUNPlacement:
		d.unPlacement(rec)
	case hub.TypeIndicator:
		d.indicator(rec)
	}
	return refused
}

func (d *recordDecoder) unknown(t hub.RecordType, key []byte) {
	d.add("data."+fieldKey(key), "unknown field for type %s", t)
}

// require reports a required field that is absent, null or empty, unless
// the field already has an error (a wrong type reads as empty too).
func (d *recordDecoder) require(empty bool, field, msg string) {
	if empty && !d.hasErrorOn(field, len(d.errs)) {
		d.add(field, "%s", msg)
	}
}

// validate adds the problems a domain Validate found, as "data." fields.
// A field that already has an error (it could not be read, or is missing)
// reads as its zero value, and Validate would only restate that, so its
// errors on such fields are left out.
func (d *recordDecoder) validate(err error) {
	if err == nil {
		return
	}
	var fe hub.FieldErrors
	if !errors.As(err, &fe) {
		d.add("data", "%s", hub.ErrorMessage(err))
		return
	}
	before := len(d.errs)
	for _, e := range fe {
		field := "data." + e.Field
		if d.hasErrorOn(field, before) {
			continue
		}
		d.add(field, "%s", e.Message)
	}
}

// hasErrorOn reports whether one of the first n errors makes Validate's
// error on field a restatement: an error on the field itself, on a field
// holding it, or on a member of it ("data.title.ru" could not be read, so
// "data.title" is empty). An error on one list entry ("data.sdgs[1]") does
// not hide what Validate finds in the others. lat and lon count as one
// field: "lat and lon come together" only restates that one of them could
// not be read.
func (d *recordDecoder) hasErrorOn(field string, n int) bool {
	for _, e := range d.errs[:n] {
		if covers(e.Field, field) || (field == "data.lat" && covers(e.Field, "data.lon")) {
			return true
		}
	}
	return false
}

// covers reports whether an error on field had makes an error on field
// want redundant.
func covers(had, want string) bool {
	switch {
	case had == want:
		return true
	case len(had) > len(want):
		return strings.HasPrefix(had, want) && had[len(want)] == '.'
	default:
		return strings.HasPrefix(want, had) && (want[len(had)] == '.' || want[len(had)] == '[')
	}
}

func (d *recordDecoder) organization(rec *hub.FeedRecord) {
	o := &hub.Organization{}
	for _, m := range d.data {
		v := m.val
		switch string(m.key) {
		case "name":
			o.Name = d.text("data.name", v)
		case "bin":
			o.BIN = d.str("data.bin", v)
		case "kind":
			o.Kind = hub.OrganizationKind(d.enum("data.kind", v))
		case "region":
			o.RegionCode = d.code("data.region", v)
		case "directions":
			o.Directions = d.directions("data.directions", v)
		case "website":
			o.Website = d.str("data.website", v)
		case "contact_email":
			o.ContactEmail = d.str("data.contact_email", v)
		case "contact_phone":
			o.ContactPhone = d.str("data.contact_phone", v)
		case "founded":
			o.Founded = d.date("data.founded", v)
		case "volunteer_count":
			o.VolunteerCount = d.intv("data.volunteer_count", v)
		default:
			d.unknown(rec.Type, m.key)
		}
	}
	if o.Kind == "" {
		o.Kind = hub.OrgOther
	}
	d.require(o.Name.IsZero(), "data.name", textRequired)
	d.validate(o.Validate())
	rec.Organization = o
}

func (d *recordDecoder) project(rec *hub.FeedRecord) {
	p := &hub.Project{}
	for _, m := range d.data {
		v := m.val
		switch string(m.key) {
		case "title":
			p.Title = d.text("data.title", v)
		case "description":
			p.Description = d.text("data.description", v)
		case "organization_id":
			rec.OrganizationRef = d.ref("data.organization_id", v, false)
		case "region":
			p.RegionCode = d.code("data.region", v)
		case "locality":
			p.Locality = d.str("data.locality", v)
		case "lat":
			p.Lat = d.float("data.lat", v)
		case "lon":
			p.Lon = d.float("data.lon", v)
		case "directions":
			p.Directions = d.directions("data.directions", v)
		case "status":
			p.Status = hub.ProjectStatus(d.enum("data.status", v))
		case "start_date":
			p.StartDate = d.date("data.start_date", v)
		case "end_date":
			p.EndDate = d.date("data.end_date", v)
		case "volunteers_needed":
			p.VolunteersNeeded = d.intv("data.volunteers_needed", v)
		case "volunteers_engaged":
			p.VolunteersEngaged = d.intv("data.volunteers_engaged", v)
		case "volunteer_hours":
			p.VolunteerHours = d.float("data.volunteer_hours", v)
		case "beneficiaries":
			p.Beneficiaries = d.intv("data.beneficiaries", v)
		case "grant_programme":
			p.GrantProgramme = d.str("data.grant_programme", v)
		case "grant_amount_kzt":
			p.GrantAmountKZT = d.int64v("data.grant_amount_kzt", v)
		case "tags":
			p.Tags = d.list("data.tags", v)
		case "url":
			p.URL = d.str("data.url", v)
		default:
			d.unknown(rec.Type, m.key)
		}
	}
	d.require(p.Title.IsZero(), "data.title", textRequired)
	d.require(p.RegionCode == "", "data.region", "is required (an ISO 3166-2:KZ code such as KZ-11)")
	d.require(p.Status == "", "data.status", statusRequired)
	d.validate(p.Validate())
	rec.Project = p
}

// volunteer reads a volunteer. The personal part is kept only with the
// person's consent (consent_ref and consent_at), as Kazakhstan's
// personal-data law requires; without it the public part still applies and
// the refused fields are named, never their values. birth_date is public in
// the SPEC's sense: its year feeds the age band; the full date is personal.
func (d *recordDecoder) volunteer(rec *hub.FeedRecord) (refused string) {
	v := &hub.Volunteer{}
	var p hub.VolunteerPersonal
	for _, m := range d.data {
		val := m.val
		switch string(m.key) {
		case "region":
			v.RegionCode = d.code("data.region", val)
		case "gender":
			v.Gender = hub.Gender(d.enum("data.gender", val))
		case "birth_date":
			p.BirthDate = d.date("data.birth_date", val)
		case "languages":
			v.Languages = d.list("data.languages", val)
		case "skills":
			v.Skills = d.list("data.skills", val)
		case "directions":
			v.Directions = d.directions("data.directions", val)
		case "registered_at":
			v.RegisteredAt = d.date("data.registered_at", val)
		case "status":
			v.Status = hub.VolunteerStatus(d.enum("data.status", val))
		case "organization_ids":
			rec.OrganizationRefs = d.refs("data.organization_ids", val)
		case "full_name":
			p.FullName = d.str("data.full_name", val)
		case "phone":
			p.Phone = d.str("data.phone", val)
		case "email":
			p.Email = d.str("data.email", val)
		case "iin":
			p.IIN = d.str("data.iin", val)
		case "consent_ref":
			p.ConsentRef = d.str("data.consent_ref", val)
		case "consent_at":
			p.ConsentAt = d.instant("data.consent_at", val)
		default:
			d.unknown(rec.Type, m.key)
		}
	}
	if v.Gender == "" {
		v.Gender = hub.GenderUnknown
	}
	if v.Status == "" {
		v.Status = hub.VolunteerActive
	}
	if p.BirthDate != nil {
		y := p.BirthDate.Year()
		v.BirthYear = &y
	}
	d.require(v.RegionCode == "", "data.region", "is required (an ISO 3166-2:KZ code such as KZ-11)")
	d.validate(v.Validate())
	rec.Volunteer = v

	if p.ConsentRef == "" || p.ConsentAt == nil {
		var names []string
		for _, f := range []struct {
			name string
			set  bool
		}{{"full_name", p.FullName != ""}, {"phone", p.Phone != ""}, {"email", p.Email != ""}, {"iin", p.IIN != ""}} {
			if f.set {
				names = append(names, f.name)
			}
		}
		if len(names) == 0 {
			return ""
		}
		return strings.Join(names, ", ") + " not stored: personal fields are accepted only with both consent_ref and consent_at (the person's consent to processing)"
	}
	if len(p.ConsentRef) > hub.MaxShortTextLen {
		d.add("data.consent_ref", "is too long")
	}
	if p.ConsentAt.Before(hub.MinDate) || !p.ConsentAt.Before(hub.MaxDate.AddDate(0, 0, 1)) {
		d.add("data.consent_at", "is out of range (%d–%d)", hub.MinDate.Year(), hub.MaxDate.Year())
	}
	if p.IsZero() {
		return ""
	}
	d.validate(p.Validate())
	rec.Personal = &p
	return ""
}

func (d *recordDecoder) participation(rec *hub.FeedRecord) {
	p := &hub.Participation{}
	for _, m := range d.data {
		v := m.val
		switch string(m.key) {
		case "volunteer_id":
			rec.VolunteerRef = d.ref("data.volunteer_id", v, false)
		case "project_id":
			rec.ProjectRef = d.ref("data.project_id", v, false)
		case "role":
			p.Role = d.str("data.role", v)
		case "hours":
			p.Hours = d.float("data.hours", v)
		case "start_date":
			p.StartDate = d.date("data.start_date", v)
		case "end_date":
			p.EndDate = d.date("data.end_date", v)
		default:
			d.unknown(rec.Type, m.key)
		}
	}
	d.require(rec.VolunteerRef == "", "data.volunteer_id", "is required (the source's id of the volunteer)")
	d.require(rec.ProjectRef == "", "data.project_id", "is required (the source's id of the project)")
	d.validate(p.Validate())
	rec.Participation = p
}

func (d *recordDecoder) unPlacement(rec *hub.FeedRecord) {
	u := &hub.UNPlacement{}
	for _, m := range d.data {
		v := m.val
		switch string(m.key) {
		case "volunteer_id":
			rec.VolunteerRef = d.ref("data.volunteer_id", v, false)
		case "host_entity":
			u.HostEntity = d.str("data.host_entity", v)
		case "country":
			u.Country = d.code("data.country", v)
		case "duty_station":
			u.DutyStation = d.str("data.duty_station", v)
		case "title":
			u.Title = d.text("data.title", v)
		case "category":
			u.Category = d.str("data.category", v)
		case "funding":
			u.Funding = d.str("data.funding", v)
		case "start_date":
			u.StartDate = d.date("data.start_date", v)
		case "end_date":
			u.EndDate = d.date("data.end_date", v)
		case "status":
			u.Status = hub.ProjectStatus(d.enum("data.status", v))
		case "sdgs":
			u.SDGs = d.ints("data.sdgs", v)
		default:
			d.unknown(rec.Type, m.key)
		}
	}
	d.require(u.HostEntity == "", "data.host_entity", "is required (e.g. UNDP, UNICEF)")
	d.require(u.Country == "", "data.country", "is required (an ISO 3166-1 alpha-2 code such as KE)")
	d.require(u.Status == "", "data.status", statusRequired)
	d.validate(u.Validate())
	rec.UNPlacement = u
}

func (d *recordDecoder) indicator(rec *hub.FeedRecord) {
	in := &hub.Indicator{}
	var hasValue bool
	for _, m := range d.data {
		v := m.val
		switch string(m.key) {
		case "metric":
			in.Metric = d.str("data.metric", v)
		case "value":
			if f := d.float("data.value", v); f != nil {
				in.Value, hasValue = *f, true
			}
		case "unit":
			in.Unit = d.str("data.unit", v)
		case "period":
			in.Period = d.str("data.period", v)
		case "region":
			in.RegionCode = d.code("data.region", v)
		case "citation_url":
			in.CitationURL = d.str("data.citation_url", v)
		case "note":
			in.Note = d.text("data.note", v)
		default:
			d.unknown(rec.Type, m.key)
		}
	}
	d.require(in.Metric == "", "data.metric", "is required (snake_case, e.g. volunteer_organizations)")
	d.require(!hasValue, "data.value", "is required (a number)")
	d.require(in.Period == "", "data.period", "is required (a year such as 2023, a month such as 2023-06, or a range such as 2019/2023)")
	if in.Period != "" {
		start, end, err := hub.ParsePeriod(in.Period)
		if err != nil {
			d.add("data.period", "%s", strings.TrimPrefix(hub.ErrorMessage(err), "period "))
		} else {
			in.PeriodStart, in.PeriodEnd = start, end
		}
	}
	d.validate(in.Validate())
	rec.Indicator = in
}
