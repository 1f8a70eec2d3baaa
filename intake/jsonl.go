package intake

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
)

// readJSONL decodes a JSON Lines file and parses it.
func readJSONL(data []byte, opts ReadOptions) (*Reader, error) {
	text, enc, err := decodeText(data)
	if err != nil {
		return nil, err
	}
	return parseJSONL(strings.TrimPrefix(text, "\ufeff"), enc, opts)
}

// parseJSONL parses one JSON object per line. Keys map to fields like CSV
// headers do; blank lines are skipped. A JSON array is rejected as a whole,
// because one syntax error in it would lose every element after it.
func parseJSONL(text, enc string, opts ReadOptions) (*Reader, error) {
	if strings.HasPrefix(strings.TrimSpace(text), "[") {
		return nil, fmt.Errorf("intake: %w: a JSON array; write one JSON object per line (JSON Lines)", ErrUnsupportedFormat)
	}
	mapper, err := newKeyMapper(opts.Map)
	if err != nil {
		return nil, err
	}
	r := &Reader{format: FormatJSONL, encoding: enc}
	for n, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		row, err := parseJSONLine(mapper, n+1, line)
		r.add(row, err)
	}
	return r, nil
}

func parseJSONLine(mapper keyMapper, lineNo int, line string) (Row, error) {
	row := Row{Line: lineNo}
	dec := json.NewDecoder(strings.NewReader(line))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil {
		return row, fmt.Errorf("%w: %v", ErrSyntax, err)
	}
	if obj == nil {
		return row, fmt.Errorf("%w: the line is not a JSON object", ErrSyntax)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return row, fmt.Errorf("%w: more than one JSON value on the line", ErrSyntax)
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys) // so that conflicts are reported the same way each time
	fieldKey := make(map[string]string)
	fieldExplicit := make(map[string]bool)
	for _, k := range keys {
		field, explicit := mapper.field(k)
		if field == FieldExtra {
			if v, err := jsonExtra(obj[k]); err != nil {
				return row, fmt.Errorf("%s: %w", k, err)
			} else if strings.TrimSpace(v) != "" {
				row.setExtra(k, v)
			}
			continue
		}
		v, err := jsonScalar(obj[k])
		if err != nil {
			return row, fmt.Errorf("%s: %w", k, err)
		}
		if prev, ok := fieldKey[field]; ok {
			switch {
			case explicit && !fieldExplicit[field]:
				if old := row.get(field); strings.TrimSpace(old) != "" {
					row.setExtra(prev, old)
				}
			case !explicit && fieldExplicit[field]:
				if strings.TrimSpace(v) != "" {
					row.setExtra(k, v)
				}
				continue
			default:
				return row, fmt.Errorf("%w: keys %q and %q both map to %s; pick one with --map", ErrDuplicateField, prev, k, field)
			}
		}
		fieldKey[field], fieldExplicit[field] = k, explicit
		row.set(field, v)
	}
	return row, nil
}

// jsonScalar returns the text of a string, number (as written, so that an id
// 24 stays "24" and never becomes "24.0" or "2.4e+01"), boolean or null.
func jsonScalar(v any) (string, error) {
	switch v := v.(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	case json.Number:
		return v.String(), nil
	case bool:
		if v {
			return "true", nil
		}
		return "false", nil
	}
	return "", fmt.Errorf("%w: an object or array where text is expected", ErrSyntax)
}

// jsonExtra returns a scalar's text, or the compact JSON of an object or
// array, for Row.Extra.
func jsonExtra(v any) (string, error) {
	if s, err := jsonScalar(v); err == nil {
		return s, nil
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", fmt.Errorf("%w: %v", ErrSyntax, err)
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}
