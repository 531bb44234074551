package search

import (
	"time"

	hub "github.com/birgemiz/hub"
)

// Documents are built from domain records here, in one place, for the
// sync pipeline, reindexing and tests alike. Volunteers have no document:
// nothing about a person is ever indexed.

func texts(ts ...hub.LocalizedText) []string {
	var out []string
	for _, t := range ts {
		for _, s := range []string{t.KK, t.RU, t.EN} {
			if s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

func year(t *time.Time) int {
	if t == nil {
		return 0
	}
	return t.Year()
}

func dateOr(t *time.Time, fallback time.Time) time.Time {
	if t != nil {
		return *t
	}
	return fallback
}

// FromProject returns a project's document. version must change whenever
// the project does (its updated_at will do).
func FromProject(p *hub.Project, version string) Document {
	d := Document{
		ID: DocID(TypeProject, p.ID), Type: TypeProject, RecordID: p.ID,
		Titles: texts(p.Title), Body: append(texts(p.Description), p.Tags...),
		Region: p.RegionCode, Directions: p.Directions, Status: string(p.Status),
		Year: year(p.StartDate), Date: dateOr(p.StartDate, p.CreatedAt), Version: version,
	}
	if p.Locality != "" {
		d.Body = append(d.Body, p.Locality)
	}
	if p.GrantProgramme != "" {
		d.Body = append(d.Body, p.GrantProgramme)
	}
	if p.OrganizationID != nil {
		d.OrganizationID = *p.OrganizationID
	}
	return d
}

// FromOrganization returns an organization's document.
func FromOrganization(o *hub.Organization, version string) Document {
	d := Document{
		ID: DocID(TypeOrganization, o.ID), Type: TypeOrganization, RecordID: o.ID,
		Titles: texts(o.Name), Region: o.RegionCode, Directions: o.Directions, OrgKind: string(o.Kind),
		Year: year(o.Founded), Date: dateOr(o.Founded, o.CreatedAt), Version: version, OrganizationID: o.ID,
	}
	if o.BIN != "" {
		d.Body = append(d.Body, o.BIN)
	}
	if o.Website != "" {
		d.Body = append(d.Body, o.Website)
	}
	return d
}

// FromUNPlacement returns a UN placement's document. Its volunteer link is
// not indexed.
func FromUNPlacement(u *hub.UNPlacement, version string) Document {
	return Document{
		ID: DocID(TypeUNPlacement, u.ID), Type: TypeUNPlacement, RecordID: u.ID,
		Titles: texts(u.Title), Body: []string{u.HostEntity, u.DutyStation, u.Category, u.Funding, u.Country},
		Status: string(u.Status), Year: year(u.StartDate), Date: dateOr(u.StartDate, u.CreatedAt), Version: version,
	}
}
