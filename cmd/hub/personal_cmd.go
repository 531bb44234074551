package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"sort"
	"text/tabwriter"

	"github.com/birgemiz/hub/postgres"
)

// runPersonal manages the keys volunteers' personal data is sealed with.
// It needs only the database and HUB_SECRET_KEYS; it never shows a
// personal value.
func (m *Main) runPersonal(ctx context.Context, args []string) error {
	usage := errors.New("usage: hub personal status | hub personal rekey")
	if len(args) != 1 {
		return usage
	}
	switch args[0] {
	case "status":
		return m.runPersonalStatus(ctx)
	case "rekey":
		return m.runPersonalRekey(ctx)
	case "-h", "--help", "help":
		fmt.Fprintln(m.Stdout, usage.Error())
		return flag.ErrHelp
	}
	return usage
}

// runPersonalStatus lists, per key id, what it seals (personal parts,
// feed bodies, the matching key), marking the current key and keys missing
// from HUB_SECRET_KEYS.
func (m *Main) runPersonalStatus(ctx context.Context) error {
	if err := m.openDB(ctx); err != nil {
		return err
	}
	use, err := m.Services.Personal.SealedKeyUse(ctx)
	if err != nil {
		return err
	}
	keys := m.DB.Keys
	seen := map[string]bool{keys.Primary(): true}
	for id := range use.Personal {
		seen[id] = true
	}
	for id := range use.Bodies {
		seen[id] = true
	}
	if use.MatchKey != "" {
		seen[use.MatchKey] = true
	}
	ids := make([]string, 0, len(seen))
	for id := range seen {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KEY	PERSONAL PARTS	FEED BODIES	MATCHING KEY	STATE")
	for _, id := range ids {
		match := "-"
		if id == use.MatchKey {
			match = "sealed"
		}
		state := "older: run `hub personal rekey`"
		switch {
		case id == keys.Primary():
			state = "current"
		case !keys.Has(id):
			state = "MISSING from HUB_SECRET_KEYS: this data cannot be read"
		case use.Personal[id] == 0 && use.Bodies[id] == 0 && id != use.MatchKey:
			state = "seals no personal data"
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\n", id, use.Personal[id], use.Bodies[id], match, state)
	}
	return tw.Flush()
}

// runPersonalRekey re-seals what older keys sealed under the current key.
func (m *Main) runPersonalRekey(ctx context.Context) error {
	if err := m.openDB(ctx); err != nil {
		return err
	}
	current := m.DB.Keys.Primary()
	n, err := m.Services.Personal.RekeyPersonal(ctx, func(done postgres.Resealed) {
		m.Log.Debug("re-sealing", "personal_parts", done.Personal, "feed_bodies", done.Bodies, "key", current)
	})
	if err != nil {
		return fmt.Errorf("%w (re-sealed before the error: %d personal parts, %d feed bodies; running it again continues)", err, n.Personal, n.Bodies)
	}
	use, err := m.Services.Personal.SealedKeyUse(ctx)
	if err != nil {
		return err
	}
	left := 0
	for _, byKey := range []map[string]int{use.Personal, use.Bodies} {
		for id, c := range byKey {
			if id != current {
				left += c
			}
		}
	}
	fmt.Fprintf(m.Stdout, "re-sealed under key %s: %d volunteers' personal parts, %d feed bodies; the matching key is sealed under %s\n",
		current, n.Personal, n.Bodies, use.MatchKey)
	if left > 0 {
		fmt.Fprintf(m.Stdout, "%d were sealed with another key meanwhile (by a hub process still running with the old HUB_SECRET_KEYS?); restart those and run it again\n", left)
		return nil
	}
	fmt.Fprintln(m.Stdout, "no personal data is sealed with another key. Keys after the first may leave HUB_SECRET_KEYS once no source's\n"+
		"webhook secret needs them (`hub sources rotate NAME` gives a source a new secret, sealed with the current key).")
	return nil
}
