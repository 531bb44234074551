package hub

import (
	"encoding/base64"
	"strconv"
)

// GlobalID is the API's id of a record: base64url("Type:id"), opaque to
// clients, stable, and enough to route node(id:) to the right service.
// typ is the GraphQL type name.
func GlobalID(typ string, id int64) string {
	b := make([]byte, 0, len(typ)+21)
	b = strconv.AppendInt(append(append(b, typ...), ':'), id, 10)
	return base64.RawURLEncoding.EncodeToString(b)
}

// NodeID is the organization's global id.
func (o *Organization) NodeID() string { return GlobalID("Organization", o.ID) }

// NodeID is the project's global id.
func (p *Project) NodeID() string { return GlobalID("Project", p.ID) }

// NodeID is the volunteer's global id.
func (v *Volunteer) NodeID() string { return GlobalID("Volunteer", v.ID) }

// NodeID is the participation's global id.
func (p *Participation) NodeID() string { return GlobalID("Participation", p.ID) }
