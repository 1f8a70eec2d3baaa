package privacy

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestKeysFileRoundTrip(t *testing.T) {
	k := testKeys(t)
	path := filepath.Join(t.TempDir(), "keys.json")
	if err := k.WriteFile(path); err != nil {
		t.Fatalf("write: %v", err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("key file mode = %04o, want 0600", perm)
	}
	if err := k.WriteFile(path); !errors.Is(err, os.ErrExist) {
		t.Errorf("second write: err = %v, want os.ErrExist", err)
	}
	got, err := LoadKeys(func(name string) string {
		if name == KeysFileEnv {
			return path
		}
		return ""
	})
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	assertSameKeys(t, got, k)
}

func TestKeysFromEnv(t *testing.T) {
	k := testKeys(t)
	data, err := json.Marshal(k)
	if err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string]string{"json": string(data), "base64": base64.StdEncoding.EncodeToString(data)} {
		t.Run(name, func(t *testing.T) {
			got, err := LoadKeys(func(v string) string {
				if v == KeysEnv {
					return content
				}
				return ""
			})
			if err != nil {
				t.Fatalf("load: %v", err)
			}
			assertSameKeys(t, got, k)
		})
	}
}

func TestKeysRejected(t *testing.T) {
	if _, err := LoadKeys(func(string) string { return "" }); !errors.Is(err, ErrNoKeys) {
		t.Errorf("no variables: err = %v, want ErrNoKeys", err)
	}
	k := testKeys(t)
	path := filepath.Join(t.TempDir(), "keys.json")
	if err := k.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadKeysFile(path); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("world-readable file: err = %v, want a chmod 600 hint", err)
	}

	secret := base64.StdEncoding.EncodeToString(k.AEAD[0].Key)
	tests := []struct {
		name  string
		edit  func(k *Keys)
		input string
	}{
		{name: "missing primary", edit: func(k *Keys) { k.Primary = "" }},
		{name: "unknown primary", edit: func(k *Keys) { k.Primary = "k9" }},
		{name: "short aes key", edit: func(k *Keys) { k.AEAD[0].Key = k.AEAD[0].Key[:16] }},
		{name: "duplicate id", edit: func(k *Keys) { k.AEAD = append(k.AEAD, k.AEAD[0]) }},
		{name: "short blind index key", edit: func(k *Keys) { k.BlindIndex = k.BlindIndex[:8] }},
		{name: "missing progress key", edit: func(k *Keys) { k.Progress = nil }},
		{name: "not json", input: "not a key file"},
		{name: "unknown field", input: `{"primary":"k1","extra":"` + secret + `"}`},
		{name: "truncated json", input: `{"primary":"k1","aead":[{"id":"k1","key":"` + secret},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			input := tt.input
			if tt.edit != nil {
				c := k.Clone()
				tt.edit(c)
				data, _ := json.Marshal(c)
				input = string(data)
			}
			_, err := ParseKeys([]byte(input))
			if err == nil {
				t.Fatal("ParseKeys accepted invalid keys")
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error message contains key material: %v", err)
			}
		})
	}
}

func TestKeysAddKey(t *testing.T) {
	k := testKeys(t)
	old := k.Primary
	id, err := k.AddKey()
	if err != nil {
		t.Fatal(err)
	}
	if id == old || k.Primary != id || len(k.AEAD) != 2 {
		t.Errorf("after AddKey: primary %q (new id %q, old %q), %d keys", k.Primary, id, old, len(k.AEAD))
	}
}

func assertSameKeys(t *testing.T, got, want *Keys) {
	t.Helper()
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if string(g) != string(w) {
		t.Error("loaded keys differ from the written ones")
	}
}
