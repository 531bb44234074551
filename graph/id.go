package graph

import (
	"encoding/base64"
	"strconv"
	"strings"

	hub "github.com/birgemiz/hub"
)

// Global ids are base64url("Type:id"): opaque to clients, stable, and
// enough to route node(id:) to the right service.
const (
	typeOrganization  = "Organization"
	typeProject       = "Project"
	typeVolunteer     = "Volunteer"
	typeParticipation = "Participation"
	typeUNPlacement   = "UNPlacement"
	typeIndicator     = "Indicator"
	typeSource        = "Source"
)

// parseGlobalID returns the type and database id of a global id.
func parseGlobalID(gid string) (typ string, id int64, err error) {
	b, err := base64.RawURLEncoding.DecodeString(gid)
	if err == nil {
		var idPart string
		var ok bool
		typ, idPart, ok = strings.Cut(string(b), ":")
		if ok {
			id, err = strconv.ParseInt(idPart, 10, 64)
			if err == nil && id > 0 {
				return typ, id, nil
			}
		}
	}
	return "", 0, hub.Errorf(hub.EINVALID, "%q is not an id this API issued", truncate(gid, 60))
}

// parseTypedID parses a global id that must be of type want.
func parseTypedID(gid, want string) (int64, error) {
	typ, id, err := parseGlobalID(gid)
	if err != nil {
		return 0, err
	}
	if typ != want {
		return 0, hub.Errorf(hub.EINVALID, "id %q is a %s id, not a %s id", truncate(gid, 60), typ, want)
	}
	return id, nil
}

// parseTypedIDs parses a list of global ids of one type.
func parseTypedIDs(gids []string, want string) ([]int64, error) {
	if gids == nil {
		return nil, nil
	}
	out := make([]int64, len(gids))
	for i, g := range gids {
		id, err := parseTypedID(g, want)
		if err != nil {
			return nil, err
		}
		out[i] = id
	}
	return out, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
