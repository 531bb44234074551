package postgres

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	hub "github.com/birgemiz/hub"
)

// where accumulates the conditions and arguments of a query.
type where struct {
	conds []string
	args  []any
}

// arg adds a query argument and returns its placeholder.
func (w *where) arg(v any) string {
	w.args = append(w.args, v)
	return "$" + strconv.Itoa(len(w.args))
}

// add adds a condition; %s in cond are replaced by placeholders for args.
func (w *where) add(cond string, args ...any) {
	ph := make([]any, len(args))
	for i, a := range args {
		ph[i] = w.arg(a)
	}
	w.conds = append(w.conds, fmt.Sprintf(cond, ph...))
}

// in adds "expr = ANY(list)" when the list is not empty.
func in[T any](w *where, expr string, list []T) {
	if len(list) > 0 {
		w.add(expr+" = ANY(%s)", list)
	}
}

// overlaps adds "the array column shares an element with list".
func overlaps(w *where, col string, list []string) {
	if len(list) > 0 {
		w.add(col+" && %s::text[]", list)
	}
}

// within adds a date range condition on a date column.
func within(w *where, col string, r hub.DateRange) {
	if r.From != nil {
		w.add(col+" >= %s", *r.From)
	}
	if r.To != nil {
		w.add(col+" <= %s", *r.To)
	}
}

// activeDuring adds "the [start, end] span overlaps r", open ends included.
func activeDuring(w *where, start, end string, r hub.DateRange) {
	if r.To != nil {
		w.add("("+start+" IS NULL OR "+start+" <= %s)", *r.To)
	}
	if r.From != nil {
		w.add("("+end+" IS NULL OR "+end+" >= %s)", *r.From)
	}
}

// fromSources adds "some live provenance of the record is from one of sources".
func fromSources(w *where, t hub.RecordType, idCol string, sources []string) {
	fromSourcesIn(w, t, idCol, sources, hub.AllPeople)
}

// fromSourcesIn is fromSources as scope sees provenance: a platform's filter
// looks at its own provenance only, so filtering on another source never
// tells it that the other source also reports a volunteer it shares.
func fromSourcesIn(w *where, t hub.RecordType, idCol string, sources []string, scope hub.PeopleScope) {
	if len(sources) == 0 {
		return
	}
	own := ""
	if !scope.All {
		own = " AND pv.source_id = " + w.arg(scope.SourceID)
	}
	w.add(`EXISTS (SELECT 1 FROM provenance pv JOIN sources src ON src.id = pv.source_id
		WHERE pv.record_type = '`+string(t)+`' AND pv.record_id = `+idCol+` AND pv.deleted_at IS NULL AND src.name = ANY(%s)`+own+`)`, sources)
}

func (w *where) sql() string {
	if len(w.conds) == 0 {
		return "TRUE"
	}
	return strings.Join(w.conds, " AND ")
}

// sortSpec is a keyset sort: an expression that is never NULL, the SQL
// type its text form casts back to, and a direction. Ties break by id.
type sortSpec struct {
	field string // the order field's name, kept in cursors
	expr  string
	typ   string
	desc  bool
}

func (s sortSpec) orderBy(prefix string) string {
	dir := " ASC"
	if s.desc {
		dir = " DESC"
	}
	return s.expr + dir + ", " + prefix + "id" + dir
}

// cursor is the decoded form of an opaque page cursor.
type cursor struct {
	Field string `json:"f"`
	Desc  bool   `json:"d,omitempty"`
	Key   string `json:"k"`
	ID    int64  `json:"i"`
}

func encodeCursor(s sortSpec, key string, id int64) string {
	b, _ := json.Marshal(cursor{Field: s.field, Desc: s.desc, Key: key, ID: id})
	return base64.RawURLEncoding.EncodeToString(b)
}

// keyset adds the condition "after the cursor" for sort s.
func keyset(w *where, s sortSpec, prefix, after string) error {
	if after == "" {
		return nil
	}
	b, err := base64.RawURLEncoding.DecodeString(after)
	var c cursor
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	if err != nil {
		return hub.Errorf(hub.EINVALID, "after: not a cursor this API issued")
	}
	if c.Field != s.field || c.Desc != s.desc {
		return hub.Errorf(hub.EINVALID, "after: the cursor belongs to another order; page with the orderBy it was issued for")
	}
	op := ">"
	if s.desc {
		op = "<"
	}
	w.conds = append(w.conds, fmt.Sprintf("(%s, %sid) %s (%s::%s, %s)", s.expr, prefix, op, w.arg(c.Key), s.typ, w.arg(c.ID)))
	return nil
}

// rowScanner scans one row of a record, then any extra columns.
type rowScanner[T any] func(row pgx.Row, extra ...any) (T, error)

// findPage runs a keyset-paginated list query: one statement, first+1 rows
// to learn whether there is a next page.
func findPage[T any](ctx context.Context, q querier, from, columns, prefix string, w *where, s sortSpec, p hub.Page,
	scan rowScanner[T], id func(T) int64) (*hub.Connection[T], error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if err := keyset(w, s, prefix, p.After); err != nil {
		return nil, err
	}
	sql := fmt.Sprintf("SELECT %s, (%s)::text FROM %s WHERE %s ORDER BY %s LIMIT %d",
		columns, s.expr, from, w.sql(), s.orderBy(prefix), p.First+1)
	rows, err := q.Query(ctx, sql, w.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	conn := &hub.Connection[T]{HasPreviousPage: p.After != ""}
	var key string
	for rows.Next() {
		item, err := scan(rows, &key)
		if err != nil {
			return nil, err
		}
		if len(conn.Edges) == p.First {
			conn.HasNextPage = true
			break
		}
		conn.Edges = append(conn.Edges, hub.Edge[T]{Cursor: encodeCursor(s, key, id(item)), Node: item})
	}
	return conn, rows.Err()
}

// findPagesByParent returns, for each parent id, the first page of its
// children: one statement, never one query per parent. Each parent's page
// is a LATERAL subquery with its own LIMIT, so an index on (parentCol, sort)
// reads first+1 rows per parent however many children a parent has (a
// row_number() over all of them read every child of a large organization).
// Parents without children get an empty page.
func findPagesByParent[T any](ctx context.Context, q querier, from, columns, prefix, parentCol string, parentIDs []int64,
	w *where, s sortSpec, p hub.Page, scan rowScanner[T], id, parent func(T) int64) (map[int64]*hub.Connection[T], error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if err := keyset(w, s, prefix, p.After); err != nil {
		return nil, err
	}
	w.conds = append(w.conds, prefix+parentCol+" = parent.id")
	parents := w.arg(parentIDs)
	sql := fmt.Sprintf(`SELECT x.* FROM (SELECT DISTINCT unnest(%s::bigint[]) AS id) parent CROSS JOIN LATERAL (
			SELECT %s, (%s)::text AS sort_key, row_number() OVER (ORDER BY %s) AS rn
			FROM %s WHERE %s ORDER BY %s LIMIT %d
		) x ORDER BY parent.id, x.rn`,
		parents, columns, s.expr, s.orderBy(prefix), from, w.sql(), s.orderBy(prefix), p.First+1)
	rows, err := q.Query(ctx, sql, w.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make(map[int64]*hub.Connection[T], len(parentIDs))
	for _, pid := range parentIDs {
		out[pid] = &hub.Connection[T]{HasPreviousPage: p.After != ""}
	}
	var key string
	var rn int64
	for rows.Next() {
		item, err := scan(rows, &key, &rn)
		if err != nil {
			return nil, err
		}
		conn := out[parent(item)]
		if rn > int64(p.First) {
			conn.HasNextPage = true
			continue
		}
		if conn.Edges == nil {
			conn.Edges = make([]hub.Edge[T], 0, p.First)
		}
		conn.Edges = append(conn.Edges, hub.Edge[T]{Cursor: encodeCursor(s, key, id(item)), Node: item})
	}
	return out, rows.Err()
}

// countByParent returns how many rows each parent has: one GROUP BY.
func countByParent(ctx context.Context, q querier, from, parentCol string, parentIDs []int64, w *where) (map[int64]int, error) {
	w.add(parentCol+" = ANY(%s)", parentIDs)
	rows, err := q.Query(ctx, fmt.Sprintf("SELECT %s, count(*) FROM %s WHERE %s GROUP BY 1", parentCol, from, w.sql()), w.args...)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]int, len(parentIDs))
	for _, pid := range parentIDs {
		out[pid] = 0
	}
	var pid int64
	var n int
	_, err = pgx.ForEachRow(rows, []any{&pid, &n}, func() error { out[pid] = n; return nil })
	return out, err
}

// countSQL is SELECT count(*) for a filter.
func countSQL(from string, w *where) string {
	return fmt.Sprintf("SELECT count(*) FROM %s WHERE %s", from, w.sql())
}

// count runs SELECT count(*) for a filter.
func count(ctx context.Context, q querier, from string, w *where) (int, error) {
	var n int
	err := q.QueryRow(ctx, countSQL(from, w), w.args...).Scan(&n)
	return n, err
}

// findByIDs returns the live rows among ids.
func findByIDs[T any](ctx context.Context, q querier, from, columns, prefix string, ids []int64, scan rowScanner[T]) ([]T, error) {
	return findByIDsWhere(ctx, q, from, columns, prefix+"id = ANY($1) AND "+prefix+"deleted_at IS NULL", ids, scan)
}

// findByIDsWhere returns the rows a condition on the id list $1 selects.
func findByIDsWhere[T any](ctx context.Context, q querier, from, columns, cond string, ids []int64, scan rowScanner[T]) ([]T, error) {
	return queryAll(ctx, q, fmt.Sprintf("SELECT %s FROM %s WHERE %s", columns, from, cond), []any{ids}, scan)
}

// queryAll runs a query and scans every row.
func queryAll[T any](ctx context.Context, q querier, sql string, args []any, scan rowScanner[T]) ([]T, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		item, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, item)
	}
	return out, rows.Err()
}

func isOneOf[T comparable](v T, set []T) bool {
	for _, s := range set {
		if v == s {
			return true
		}
	}
	return false
}

// deletion adds the condition on alias's deleted_at that d asks for:
// live records by default.
func deletion(w *where, alias string, d hub.Deletion) {
	switch d {
	case hub.DeletionAll:
	case hub.DeletionDeleted:
		w.add(alias + ".deleted_at IS NOT NULL")
	default:
		w.add(alias + ".deleted_at IS NULL")
	}
}

// scoped adds the condition that scope reads a person-level record of type
// t whose id is idCol: every one, or those whose live provenance names the
// scope's source. The zero scope is EFORBIDDEN.
func scoped(w *where, scope hub.PeopleScope, t hub.RecordType, idCol string) error {
	if err := scope.Check(); err != nil {
		return err
	}
	if !scope.All {
		w.add(`EXISTS (SELECT 1 FROM provenance spv WHERE spv.record_type = '`+string(t)+`' AND spv.record_id = `+idCol+`
			AND spv.source_id = %s AND spv.deleted_at IS NULL)`, scope.SourceID)
	}
	return nil
}

// scopedWhere is a where holding cond (no arguments) and scope's condition.
func scopedWhere(cond string, scope hub.PeopleScope, t hub.RecordType, idCol string) (*where, error) {
	w := &where{}
	w.add(cond)
	return w, scoped(w, scope, t, idCol)
}
