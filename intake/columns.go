package intake

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Field names a Row field can be mapped to, and FieldExtra, which sends a
// column to Row.Extra.
const (
	FieldID    = "id"
	FieldTitle = "title"
	FieldBody  = "body"
	FieldTime  = "time"
	FieldPhone = "phone"
	FieldName  = "name"
	FieldPlace = "place"
	FieldKind  = "kind"
	FieldLabel = "label"
	FieldExtra = "extra"
)

// ErrNoTextColumn is returned by Open when no column maps to title or body.
var ErrNoTextColumn = errors.New("no title or body column")

// fieldAliases lists the header names, in Chinese and English, that map to
// each field without a --map option. Matching ignores case, surrounding white
// space and a trailing required-field mark (*).
var fieldAliases = map[string][]string{
	FieldID:    {"id", "编号", "序号", "工单号", "工单编号", "留言编号", "受理编号"},
	FieldTitle: {"title", "subject", "标题", "主题", "留言主题", "诉求标题", "工单标题"},
	FieldBody: {"body", "content", "text", "内容", "正文", "诉求内容", "留言详情", "留言内容",
		"问题描述", "工单内容", "来电内容"},
	FieldTime: {"time", "date", "created", "created_at", "时间", "日期", "受理时间", "留言时间",
		"来电时间", "反映时间", "提交时间", "登记时间"},
	FieldPhone: {"phone", "mobile", "tel", "电话", "联系电话", "手机", "手机号", "手机号码",
		"来电号码", "联系方式"},
	FieldName:  {"name", "姓名", "联系人", "来电人", "反映人", "诉求人"},
	FieldPlace: {"place", "address", "location", "地点", "地址", "事发地点", "事发地址", "发生地点"},
	FieldKind:  {"kind", "type", "类型", "诉求类型", "工单类型", "留言类型"},
	FieldLabel: {"label", "tag", "标签", "分类", "一级分类"},
}

// aliasField maps a normalized header name to its field.
var aliasField = func() map[string]string {
	m := make(map[string]string)
	for field, names := range fieldAliases {
		for _, n := range names {
			m[normalizeHeader(n)] = field
		}
	}
	return m
}()

// validField reports whether f is a name that --map may map a column to.
func validField(f string) bool {
	_, ok := fieldAliases[f]
	return ok || f == FieldExtra
}

func fieldList() string {
	names := make([]string, 0, len(fieldAliases)+1)
	for f := range fieldAliases {
		names = append(names, f)
	}
	sort.Strings(names)
	return strings.Join(append(names, FieldExtra), ", ")
}

// normalizeHeader removes what varies between spreadsheets but does not change
// a column's meaning: a byte order mark, surrounding white space (including
// the ideographic space U+3000), a trailing required-field mark and ASCII case.
func normalizeHeader(s string) string {
	s = strings.TrimPrefix(s, "\ufeff")
	s = strings.TrimSpace(s)
	s = strings.TrimRight(s, "*＊")
	return strings.ToLower(strings.TrimSpace(s))
}

// ParseMap parses a --map option, "列名=field,列名=field", into a map from
// column name to field. Fields are id, title, body, time, phone, name, place,
// kind, label, and extra to keep a column out of every field. Full-width
// commas and equals signs are accepted too.
func ParseMap(spec string) (map[string]string, error) {
	spec = strings.NewReplacer("，", ",", "＝", "=").Replace(spec)
	m := make(map[string]string)
	for _, pair := range strings.Split(spec, ",") {
		if strings.TrimSpace(pair) == "" {
			continue
		}
		col, field, ok := strings.Cut(pair, "=")
		col = strings.TrimSpace(col)
		field = strings.ToLower(strings.TrimSpace(field))
		if !ok || col == "" || field == "" {
			return nil, fmt.Errorf("intake: invalid column mapping %q: write COLUMN=FIELD", pair)
		}
		if !validField(field) {
			return nil, fmt.Errorf("intake: column mapping %q: unknown field %q; fields are %s", pair, field, fieldList())
		}
		if _, dup := m[col]; dup {
			return nil, fmt.Errorf("intake: column %q is mapped twice", col)
		}
		m[col] = field
	}
	return m, nil
}

// keyMapper finds the field of a header or JSON key: the --map option first,
// then the built-in names.
type keyMapper struct {
	user map[string]string // normalized column name → field
}

func newKeyMapper(user map[string]string) (keyMapper, error) {
	m := keyMapper{user: make(map[string]string, len(user))}
	for col, field := range user {
		if !validField(field) {
			return m, fmt.Errorf("intake: column mapping %s=%s: unknown field %q; fields are %s", col, field, field, fieldList())
		}
		m.user[normalizeHeader(col)] = field
	}
	return m, nil
}

// field returns the field of name and whether the user mapped it explicitly.
// It returns FieldExtra for a name it does not know.
func (m keyMapper) field(name string) (field string, explicit bool) {
	n := normalizeHeader(name)
	if f, ok := m.user[n]; ok {
		return f, true
	}
	if f, ok := aliasField[n]; ok {
		return f, false
	}
	return FieldExtra, false
}

// columnMap assigns each column of a CSV or spreadsheet header to a field.
type columnMap struct {
	header []string // the header cells, trimmed
	field  []string // the field of each column; FieldExtra for Row.Extra
	extra  []string // the Extra key of each column, unique within the file
}

// newColumnMap maps a header row. Two columns that map to the same field are
// an error unless --map picked one of them, and so is a --map column that the
// header lacks, or a header without a title or body column.
func newColumnMap(header []string, user map[string]string) (*columnMap, error) {
	mapper, err := newKeyMapper(user)
	if err != nil {
		return nil, err
	}
	c := &columnMap{
		header: make([]string, len(header)),
		field:  make([]string, len(header)),
		extra:  make([]string, len(header)),
	}
	explicit := make([]bool, len(header))
	seen := make(map[string]bool) // normalized header names present
	for i, h := range header {
		c.header[i] = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		c.field[i], explicit[i] = mapper.field(h)
		seen[normalizeHeader(h)] = true
	}
	for col := range user {
		if !seen[normalizeHeader(col)] {
			return nil, fmt.Errorf("intake: --map names column %q, which the header lacks; the header has: %s",
				col, quoteList(c.header))
		}
	}
	if err := c.resolveConflicts(explicit); err != nil {
		return nil, err
	}
	c.nameExtras()
	if c.index(FieldTitle) < 0 && c.index(FieldBody) < 0 {
		return nil, fmt.Errorf("intake: %w: the header has %s; name a column 标题/title or 内容/body, "+
			"or map one with --map COLUMN=body", ErrNoTextColumn, quoteList(c.header))
	}
	return c, nil
}

// resolveConflicts keeps an explicitly mapped column over columns mapped by
// their built-in names, which then go to Extra, and rejects any other
// conflict.
func (c *columnMap) resolveConflicts(explicit []bool) error {
	byField := make(map[string][]int)
	for i, f := range c.field {
		if f != FieldExtra {
			byField[f] = append(byField[f], i)
		}
	}
	fields := make([]string, 0, len(byField))
	for f := range byField {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	for _, f := range fields {
		cols := byField[f]
		if len(cols) < 2 {
			continue
		}
		var picked []int
		for _, i := range cols {
			if explicit[i] {
				picked = append(picked, i)
			}
		}
		if len(picked) != 1 {
			names := make([]string, len(cols))
			for k, i := range cols {
				names[k] = c.header[i]
			}
			return fmt.Errorf("intake: columns %s all map to %s; pick one with --map, e.g. --map %s=%s",
				quoteList(names), f, names[0], f)
		}
		for _, i := range cols {
			if i != picked[0] {
				c.field[i] = FieldExtra
			}
		}
	}
	return nil
}

// nameExtras gives each Extra column a unique key: its header, or "column N"
// for an empty header, with " (2)", " (3)" added to repeated names.
func (c *columnMap) nameExtras() {
	used := make(map[string]int)
	for i, f := range c.field {
		if f != FieldExtra {
			continue
		}
		name := c.header[i]
		if name == "" {
			name = fmt.Sprintf("column %d", i+1)
		}
		used[name]++
		if n := used[name]; n > 1 {
			name = fmt.Sprintf("%s (%d)", name, n)
		}
		c.extra[i] = name
	}
}

func (c *columnMap) index(field string) int {
	for i, f := range c.field {
		if f == field {
			return i
		}
	}
	return -1
}

// row builds a Row from one record's cells. Cells beyond the header go to
// Extra under "column N" when they are not empty.
func (c *columnMap) row(line int, cells []string) Row {
	r := Row{Line: line}
	for i, v := range cells {
		if i >= len(c.field) {
			if strings.TrimSpace(v) != "" {
				r.setExtra(fmt.Sprintf("column %d", i+1), v)
			}
			continue
		}
		if c.field[i] == FieldExtra {
			if strings.TrimSpace(v) != "" {
				r.setExtra(c.extra[i], v)
			}
			continue
		}
		r.set(c.field[i], v)
	}
	return r
}

func (r *Row) setExtra(key, value string) {
	if r.Extra == nil {
		r.Extra = make(map[string]string)
	}
	r.Extra[key] = value
}

// set stores value in field. Title and body are kept exactly. The short fields
// lose surrounding white space, because there it only makes two copies of the
// same id or number differ.
func (r *Row) set(field, value string) {
	switch field {
	case FieldTitle:
		r.Title = value
		return
	case FieldBody:
		r.Body = value
		return
	}
	value = strings.TrimSpace(value)
	switch field {
	case FieldID:
		r.ID = value
	case FieldTime:
		r.Time = value
	case FieldPhone:
		r.Phone = value
	case FieldName:
		r.Name = value
	case FieldPlace:
		r.Place = value
	case FieldKind:
		r.Kind = value
	case FieldLabel:
		r.Label = value
	}
}

// get returns the value of a field set by set.
func (r *Row) get(field string) string {
	switch field {
	case FieldID:
		return r.ID
	case FieldTitle:
		return r.Title
	case FieldBody:
		return r.Body
	case FieldTime:
		return r.Time
	case FieldPhone:
		return r.Phone
	case FieldName:
		return r.Name
	case FieldPlace:
		return r.Place
	case FieldKind:
		return r.Kind
	case FieldLabel:
		return r.Label
	}
	return ""
}

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}
