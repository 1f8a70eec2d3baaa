package privacy

import (
	"bytes"
	"errors"
	"testing"
)

func TestBlobBoundToOwner(t *testing.T) {
	keys, err := GenerateKeys()
	if err != nil {
		t.Fatal(err)
	}
	v, err := NewVault(keys)
	if err != nil {
		t.Fatal(err)
	}
	data := []byte("RIFF....WAVEfmt a recording")
	form := BlobOwner{FormKey: "0123456789abcdef0123456789abcdef", Kind: BlobKindVoice}
	t7 := BlobOwner{TicketID: 7, Kind: BlobKindVoice}
	sealed, err := v.SealBlob(form, data)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed.Ciphertext, []byte("recording")) {
		t.Fatal("ciphertext contains the plaintext")
	}
	moved, err := v.ReownBlob(form, t7, sealed)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		owner BlobOwner
		blob  SealedBlob
		ok    bool
	}{
		{"staged under its form", form, sealed, true},
		{"moved to its ticket", t7, moved, true},
		{"another ticket", BlobOwner{TicketID: 8, Kind: BlobKindVoice}, moved, false},
		{"another kind", BlobOwner{TicketID: 7, Kind: "photo"}, moved, false},
		{"the form after moving", form, moved, false},
		{"the ticket before moving", t7, sealed, false},
		{"another form", BlobOwner{FormKey: "ffffffffffffffffffffffffffffffff", Kind: BlobKindVoice}, sealed, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := v.OpenBlob(c.owner, c.blob)
			if c.ok {
				if err != nil || !bytes.Equal(got, data) {
					t.Fatalf("OpenBlob = %q, %v", got, err)
				}
				return
			}
			if !errors.Is(err, ErrDecrypt) {
				t.Fatalf("OpenBlob error %v, want ErrDecrypt", err)
			}
		})
	}
	for _, bad := range []BlobOwner{{Kind: BlobKindVoice}, {TicketID: 1, FormKey: "x", Kind: BlobKindVoice}, {TicketID: 1}} {
		if _, err := v.SealBlob(bad, data); err == nil {
			t.Errorf("SealBlob(%+v) accepted", bad)
		}
	}
}
