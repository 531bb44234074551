package postgres

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	hub "github.com/birgemiz/hub"
	"github.com/birgemiz/hub/secretbox"
)

// PersonalService implements hub.PersonalService. Volunteers' personal
// parts are stored sealed with DB.Keys (AES-256-GCM, one sealed JSON value
// per volunteer, bound to the volunteer's id), so neither the table nor a
// dump of it holds a name, phone, e-mail, IIN or birth date. Reads are
// logged in personal_access_log in the statement that reads them.
type PersonalService struct{ db *DB }

// NewPersonalService returns a PersonalService on db.
func NewPersonalService(db *DB) *PersonalService { return &PersonalService{db: db} }

var _ hub.PersonalService = (*PersonalService)(nil)

// errNoKeys is returned when personal data must be sealed or opened and
// DB.Keys is not set.
var errNoKeys = errors.New("postgres: DB.Keys is not set; volunteers' personal data cannot be sealed or opened (HUB_SECRET_KEYS)")

// sealedPersonal is what a personal part's seal holds.
type sealedPersonal struct {
	FullName   string     `json:"full_name,omitempty"`
	Phone      string     `json:"phone,omitempty"`
	Email      string     `json:"email,omitempty"`
	IIN        string     `json:"iin,omitempty"`
	BirthDate  string     `json:"birth_date,omitempty"`
	ConsentRef string     `json:"consent_ref"`
	ConsentAt  *time.Time `json:"consent_at,omitempty"`
}

// personalPad is the block the sealed JSON is padded to with spaces, so a
// ciphertext's length says little about the lengths of the values.
const personalPad = 64

// personalAAD binds a sealed personal part to its volunteer: moved to
// another volunteer's row, it no longer opens.
func personalAAD(volunteerID int64) []byte {
	return []byte("volunteer:" + strconv.FormatInt(volunteerID, 10) + ":personal")
}

// sealPersonal seals p for the volunteer with id under the ring's current key.
func sealPersonal(keys *secretbox.Keyring, volunteerID int64, p *hub.VolunteerPersonal) ([]byte, error) {
	if keys == nil {
		return nil, errNoKeys
	}
	sp := sealedPersonal{FullName: p.FullName, Phone: p.Phone, Email: p.Email, IIN: p.IIN, ConsentRef: p.ConsentRef, ConsentAt: p.ConsentAt}
	if p.BirthDate != nil {
		sp.BirthDate = p.BirthDate.Format(time.DateOnly)
	}
	b, err := json.Marshal(sp)
	if err != nil {
		return nil, err
	}
	if n := len(b) % personalPad; n != 0 {
		b = append(b, bytes.Repeat([]byte{' '}, personalPad-n)...)
	}
	return keys.Seal(b, personalAAD(volunteerID)), nil
}

// openPersonal opens what sealPersonal sealed. Its errors name the
// volunteer and the key, never a value.
func openPersonal(keys *secretbox.Keyring, volunteerID int64, sealed []byte) (*hub.VolunteerPersonal, error) {
	if keys == nil {
		return nil, errNoKeys
	}
	b, err := keys.Open(sealed, personalAAD(volunteerID))
	if err != nil {
		return nil, fmt.Errorf("volunteer %d's personal part (sealed with key %q): %w (was a key removed from HUB_SECRET_KEYS before `hub personal rekey`?)",
			volunteerID, secretbox.KeyID(sealed), err)
	}
	var sp sealedPersonal
	if err := json.Unmarshal(b, &sp); err != nil {
		return nil, fmt.Errorf("volunteer %d's personal part does not decode", volunteerID)
	}
	p := &hub.VolunteerPersonal{FullName: sp.FullName, Phone: sp.Phone, Email: sp.Email, IIN: sp.IIN, ConsentRef: sp.ConsentRef, ConsentAt: sp.ConsentAt}
	if sp.BirthDate != "" {
		d, err := time.Parse(time.DateOnly, sp.BirthDate)
		if err != nil {
			return nil, fmt.Errorf("volunteer %d's personal part has a bad birth date", volunteerID)
		}
		p.BirthDate = &d
	}
	return p, nil
}

// ReadPersonal logs, then returns, the personal parts reads ask for. The
// log entries and the read are one statement: if the entries cannot be
// written, the statement fails and nothing is read. Only an admin API key
// may read, and the log names it.
func (s *PersonalService) ReadPersonal(ctx context.Context, by hub.Principal, reads []hub.PersonalRead) (map[int64]*hub.VolunteerPersonal, error) {
	if !by.IsAdmin() || by.Key == "" {
		return nil, hub.Errorf(hub.EFORBIDDEN, "volunteers' personal data is for admin API keys only")
	}
	if s.db.Keys == nil {
		return nil, errNoKeys
	}
	ids := make([]int64, len(reads))
	fields := make([]string, len(reads))
	for i, r := range reads {
		if err := r.Validate(); err != nil {
			return nil, err
		}
		ids[i] = r.VolunteerID
		names := make([]string, len(r.Fields))
		for j, f := range r.Fields {
			names[j] = string(f)
		}
		fields[i] = strings.Join(names, ",")
	}
	out := make(map[int64]*hub.VolunteerPersonal, len(reads))
	if len(reads) == 0 {
		return out, nil
	}
	rows, err := s.db.Pool.Query(ctx, `
		WITH asked AS (
			SELECT * FROM unnest($1::bigint[], $2::text[]) WITH ORDINALITY AS a(volunteer_id, fields, n)
		), found AS (
			SELECT vp.volunteer_id, vp.sealed FROM volunteer_personal vp WHERE vp.volunteer_id = ANY($1)
		), logged AS (
			INSERT INTO personal_access_log (at, key_name, role, volunteer_id, fields)
			SELECT $3, $4, $5, a.volunteer_id, string_to_array(a.fields, ',') FROM asked a JOIN found f USING (volunteer_id)
			ORDER BY a.n
			RETURNING volunteer_id
		)
		SELECT f.volunteer_id, f.sealed FROM found f WHERE f.volunteer_id IN (SELECT volunteer_id FROM logged)`,
		ids, fields, s.db.Now(), by.Key, string(by.Role))
	if err != nil {
		return nil, fmt.Errorf("read personal data: %w", err)
	}
	var id int64
	var sealed []byte
	if _, err := pgx.ForEachRow(rows, []any{&id, &sealed}, func() error {
		p, err := openPersonal(s.db.Keys, id, sealed)
		out[id] = p
		return err
	}); err != nil {
		return nil, fmt.Errorf("read personal data: %w", err)
	}
	return out, nil
}

const personalAccessColumns = `a.id, a.at, a.key_name, a.role, a.volunteer_id, a.fields`

func scanPersonalAccess(row pgx.Row, extra ...any) (*hub.PersonalAccess, error) {
	var e hub.PersonalAccess
	var fields []string
	err := row.Scan(append([]any{&e.ID, &e.At, &e.KeyName, &e.Role, &e.VolunteerID, &fields}, extra...)...)
	for _, f := range fields {
		e.Fields = append(e.Fields, hub.PersonalField(f))
	}
	return &e, err
}

func personalAccessWhere(f hub.PersonalAccessFilter) (*where, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	w := &where{}
	if f.VolunteerID != nil {
		w.add("a.volunteer_id = %s", *f.VolunteerID)
	}
	if f.KeyName != "" {
		w.add("a.key_name = %s", f.KeyName)
	}
	if f.From != nil {
		w.add("a.at >= %s", *f.From)
	}
	if f.To != nil {
		w.add("a.at < %s", *f.To)
	}
	return w, nil
}

// The log is read newest first; ids grow with time.
var personalAccessSort = sortSpec{field: "NEWEST", expr: "a.id", typ: "bigint", desc: true}

// FindPersonalAccesses returns one page of the access log, newest first.
func (s *PersonalService) FindPersonalAccesses(ctx context.Context, f hub.PersonalAccessFilter, p hub.Page) (*hub.Connection[*hub.PersonalAccess], error) {
	w, err := personalAccessWhere(f)
	if err != nil {
		return nil, err
	}
	return findPage(ctx, s.db.Pool, "personal_access_log a", personalAccessColumns, "a.", w, personalAccessSort, p,
		scanPersonalAccess, func(e *hub.PersonalAccess) int64 { return e.ID })
}

// CountPersonalAccesses returns how many log entries f selects.
func (s *PersonalService) CountPersonalAccesses(ctx context.Context, f hub.PersonalAccessFilter) (int, error) {
	w, err := personalAccessWhere(f)
	if err != nil {
		return 0, err
	}
	return count(ctx, s.db.Pool, "personal_access_log a", w)
}

// rekeyBatch is how many personal parts RekeyPersonal re-seals per
// transaction: rows stay locked against the apply path only that long.
const rekeyBatch = 1000

// Resealed counts what RekeyPersonal re-sealed.
type Resealed struct {
	Personal int // volunteers' personal parts
	Bodies   int // stored feed bodies
}

// RekeyPersonal re-seals, under the ring's current key, everything that
// holds personal data and is sealed under another key: volunteers' personal
// parts, stored feed bodies, and the matching key. The older keys can then
// leave HUB_SECRET_KEYS. It works in short transactions (rekeyBatch
// personal parts, or one body, each), calling progress after each. Data
// that no key of the ring opens stops it with an error naming the row and
// the key (never a value): put that key back and run it again. Running it
// again is harmless; rows written meanwhile are sealed under the current key.
func (s *PersonalService) RekeyPersonal(ctx context.Context, progress func(Resealed)) (Resealed, error) {
	var done Resealed
	keys := s.db.Keys
	if keys == nil {
		return done, errNoKeys
	}
	if progress == nil {
		progress = func(Resealed) {}
	}
	if err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error { return resealMatchKey(ctx, tx, keys) }); err != nil {
		return done, fmt.Errorf("re-seal the matching key: %w", err)
	}
	var last int64
	for {
		n := 0
		err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
			rows, err := tx.Query(ctx, `SELECT volunteer_id, sealed FROM volunteer_personal
				WHERE volunteer_id > $1 AND key_id <> $2 ORDER BY volunteer_id LIMIT $3 FOR UPDATE`, last, keys.Primary(), rekeyBatch)
			if err != nil {
				return err
			}
			var ids []int64
			var sealed [][]byte
			var id int64
			var old []byte
			if _, err := pgx.ForEachRow(rows, []any{&id, &old}, func() error {
				p, err := openPersonal(keys, id, old)
				if err != nil {
					return err
				}
				b, err := sealPersonal(keys, id, p)
				ids, sealed = append(ids, id), append(sealed, b)
				return err
			}); err != nil {
				return err
			}
			if n = len(ids); n == 0 {
				return nil
			}
			last = ids[n-1]
			_, err = tx.Exec(ctx, `UPDATE volunteer_personal vp SET sealed = u.sealed, key_id = $3
				FROM unnest($1::bigint[], $2::bytea[]) AS u(volunteer_id, sealed) WHERE vp.volunteer_id = u.volunteer_id`,
				ids, sealed, keys.Primary())
			return err
		})
		if err != nil {
			return done, fmt.Errorf("re-seal personal data: %w", err)
		}
		if n == 0 {
			break
		}
		done.Personal += n
		progress(done)
	}
	lastBody := uuid.Nil
	for {
		found := false
		err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
			var id uuid.UUID
			var old []byte
			err := tx.QueryRow(ctx, `SELECT batch_id, body FROM batch_bodies WHERE batch_id > $1 AND key_id <> $2
				ORDER BY batch_id LIMIT 1 FOR UPDATE`, lastBody, keys.Primary()).Scan(&id, &old)
			if errors.Is(err, pgx.ErrNoRows) {
				return nil
			} else if err != nil {
				return err
			}
			found, lastBody = true, id
			body, err := openBatchBody(keys, id, old)
			if err != nil {
				return err
			}
			_, err = tx.Exec(ctx, `UPDATE batch_bodies SET body = $2, key_id = $3 WHERE batch_id = $1`,
				id, keys.Seal(body, batchBodyAAD(id)), keys.Primary())
			return err
		})
		if err != nil {
			return done, fmt.Errorf("re-seal feed bodies: %w", err)
		}
		if !found {
			return done, nil
		}
		done.Bodies++
		progress(done)
	}
}

// SealedKeyUse says which keys seal what, by key id: volunteers' personal
// parts, stored feed bodies, and the matching key ("" when none is stored
// yet).
type SealedKeyUse struct {
	Personal map[string]int
	Bodies   map[string]int
	MatchKey string
}

// SealedKeyUse counts what each key seals, so an operator sees when an old
// key seals nothing any more and may leave the ring.
func (s *PersonalService) SealedKeyUse(ctx context.Context) (*SealedKeyUse, error) {
	u := &SealedKeyUse{Personal: map[string]int{}, Bodies: map[string]int{}}
	for table, m := range map[string]map[string]int{"volunteer_personal": u.Personal, "batch_bodies": u.Bodies} {
		rows, err := s.db.Pool.Query(ctx, `SELECT key_id, count(*) FROM `+table+` GROUP BY 1`)
		if err != nil {
			return nil, err
		}
		var id string
		var n int
		if _, err := pgx.ForEachRow(rows, []any{&id, &n}, func() error { m[id] = n; return nil }); err != nil {
			return nil, err
		}
	}
	err := s.db.Pool.QueryRow(ctx, `SELECT key_id FROM sealed_secrets WHERE name = $1`, matchKeyName).Scan(&u.MatchKey)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return nil, err
	}
	return u, nil
}
