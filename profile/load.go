package profile

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
	_ "time/tzdata" // so that Asia/Shanghai resolves on hosts without a zoneinfo database

	"gopkg.in/yaml.v3"
)

//go:embed builtin/*.yaml
var builtinFS embed.FS

// Defaults that Load applies to fields left unset (zero) in the file.
const (
	DefaultTimeZone         = "Asia/Shanghai"
	DefaultMinConfidence    = 0.5
	DefaultMaxAttempts      = 3
	DefaultReopenWindowDays = 15
	DefaultPersonalDataDays = 180
)

// Builtins returns the names of the embedded profiles, sorted.
func Builtins() []string {
	entries, err := builtinFS.ReadDir("builtin")
	if err != nil {
		return nil
	}
	var names []string
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	sort.Strings(names)
	return names
}

// Load reads a profile, applies the defaults and validates it. nameOrPath is
// either a built-in name (see Builtins) or the path of a .yaml, .yml or .json
// file. Fields the format does not know are errors. An invalid profile yields
// a *ValidationError that lists every problem.
func Load(nameOrPath string) (*Profile, error) {
	data, format, name, err := read(nameOrPath)
	if err != nil {
		return nil, err
	}
	p, err := Parse(data, format)
	if err != nil {
		return nil, fmt.Errorf("profile %s: %w", nameOrPath, err)
	}
	if p.Name == "" {
		p.Name = name
	}
	if err := p.prepare(); err != nil {
		return nil, err
	}
	return p, nil
}

// Parse decodes a profile from data in the given format ("yaml" or "json")
// without applying defaults or validating it; Load does both.
func Parse(data []byte, format string) (*Profile, error) {
	var p Profile
	switch format {
	case "yaml":
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		if err := dec.Decode(&p); err != nil {
			if errors.Is(err, io.EOF) {
				return nil, errors.New("decode yaml: the file is empty")
			}
			return nil, fmt.Errorf("decode yaml: %w", err)
		}
	case "json":
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&p); err != nil {
			return nil, fmt.Errorf("decode json: %w", err)
		}
		if dec.More() {
			return nil, errors.New("decode json: unexpected data after the profile object")
		}
	default:
		return nil, fmt.Errorf("unsupported format %q: want yaml or json", format)
	}
	return &p, nil
}

// read returns the bytes of a built-in profile or a file, the format, and a
// name to use when the profile does not set one.
func read(nameOrPath string) (data []byte, format, name string, err error) {
	if nameOrPath == "" {
		return nil, "", "", errors.New("profile: no profile given: pass a built-in name or a file path")
	}
	if !strings.ContainsAny(nameOrPath, `/\.`) {
		data, err := builtinFS.ReadFile("builtin/" + nameOrPath + ".yaml")
		if err != nil {
			return nil, "", "", fmt.Errorf("profile: %q is not a built-in profile (%s); give a .yaml or .json path for a file",
				nameOrPath, strings.Join(Builtins(), ", "))
		}
		return data, "yaml", nameOrPath, nil
	}
	ext := strings.ToLower(filepath.Ext(nameOrPath))
	switch ext {
	case ".yaml", ".yml":
		format = "yaml"
	case ".json":
		format = "json"
	default:
		return nil, "", "", fmt.Errorf("profile %s: unsupported file extension %q: use .yaml, .yml or .json", nameOrPath, ext)
	}
	data, err = os.ReadFile(nameOrPath)
	if err != nil {
		return nil, "", "", fmt.Errorf("profile: %w", err)
	}
	return data, format, strings.TrimSuffix(filepath.Base(nameOrPath), filepath.Ext(nameOrPath)), nil
}

// prepare applies the defaults, validates the profile and resolves its zone.
func (p *Profile) prepare() error {
	p.applyDefaults()
	if err := p.Validate(); err != nil {
		return err
	}
	loc, err := time.LoadLocation(p.TimeZone)
	if err != nil { // Validate has loaded it once already
		return fmt.Errorf("profile %s: time_zone: %w", p.Name, err)
	}
	p.Location = loc
	return nil
}

func (p *Profile) applyDefaults() {
	if p.TimeZone == "" {
		p.TimeZone = DefaultTimeZone
	}
	if p.Triage.MinConfidence == 0 {
		p.Triage.MinConfidence = DefaultMinConfidence
	}
	if p.Callback.MaxAttempts == 0 {
		p.Callback.MaxAttempts = DefaultMaxAttempts
	}
	if p.Callback.ReopenWindowDays == 0 {
		p.Callback.ReopenWindowDays = DefaultReopenWindowDays
	}
	if p.Retention.PersonalDataDays == 0 {
		p.Retention.PersonalDataDays = DefaultPersonalDataDays
	}
}
