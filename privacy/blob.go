package privacy

import (
	"fmt"
	"strconv"
)

// BlobKindVoice is the kind of a citizen's voice recording.
const BlobKindVoice = "voice"

// BlobOwner names what a sealed blob belongs to: a ticket, or, before the
// form that carries it is sent, the form key it is staged under. Kind tells
// blobs of one owner apart ("voice").
type BlobOwner struct {
	TicketID int64
	FormKey  string
	Kind     string
}

func (o BlobOwner) associatedData() ([]byte, error) {
	switch {
	case o.Kind == "":
		return nil, fmt.Errorf("privacy: blob: kind is missing")
	case o.TicketID > 0 && o.FormKey == "":
		return []byte("minyi/blob/v1\x00ticket\x00" + strconv.FormatInt(o.TicketID, 10) + "\x00" + o.Kind), nil
	case o.TicketID == 0 && o.FormKey != "":
		return []byte("minyi/blob/v1\x00form\x00" + o.FormKey + "\x00" + o.Kind), nil
	}
	return nil, fmt.Errorf("privacy: blob: owner needs a ticket id or a form key, not both")
}

// SealedBlob is a blob encrypted under the key KeyID.
type SealedBlob struct {
	KeyID      string
	Ciphertext []byte
}

// SealBlob encrypts binary personal data, such as a voice recording, with
// the primary key and binds it to its owner, so that a ciphertext copied to
// another ticket or form does not decrypt. The caller stores the result.
func (v *Vault) SealBlob(o BlobOwner, data []byte) (SealedBlob, error) {
	ad, err := o.associatedData()
	if err != nil {
		return SealedBlob{}, err
	}
	k := v.keys.Load()
	ct, err := k.cipher.Seal(k.primary, data, ad)
	if err != nil {
		return SealedBlob{}, fmt.Errorf("privacy: blob: seal %s: %w", o.Kind, err)
	}
	return SealedBlob{KeyID: k.primary, Ciphertext: ct}, nil
}

// OpenBlob decrypts a blob sealed for o. It returns an error matching
// ErrDecrypt when the blob was sealed for another owner or altered.
//
// Callers record every staff read of a blob in the audit log, as they do for
// the ticket it belongs to.
func (v *Vault) OpenBlob(o BlobOwner, b SealedBlob) ([]byte, error) {
	ad, err := o.associatedData()
	if err != nil {
		return nil, err
	}
	plain, err := v.keys.Load().cipher.Open(b.KeyID, b.Ciphertext, ad)
	if err != nil {
		return nil, fmt.Errorf("privacy: blob: open %s with key %s: %w", o.Kind, b.KeyID, err)
	}
	return plain, nil
}

// ReownBlob moves a blob to a new owner: it opens it as from's and seals it
// again as to's, as when a staged recording joins the ticket its form
// created.
// Vault.Rotate re-encrypts the vault table only; Vault.RotateProgress covers
// the voice recordings too.
func (v *Vault) ReownBlob(from, to BlobOwner, b SealedBlob) (SealedBlob, error) {
	plain, err := v.OpenBlob(from, b)
	if err != nil {
		return SealedBlob{}, err
	}
	return v.SealBlob(to, plain)
}

// SealBlob seals a blob with the protector's vault.
func (p *Protector) SealBlob(o BlobOwner, data []byte) (SealedBlob, error) {
	return p.vault.SealBlob(o, data)
}

// OpenBlob opens a blob with the protector's vault.
func (p *Protector) OpenBlob(o BlobOwner, b SealedBlob) ([]byte, error) {
	return p.vault.OpenBlob(o, b)
}

// ReownBlob moves a blob to a new owner with the protector's vault.
func (p *Protector) ReownBlob(from, to BlobOwner, b SealedBlob) (SealedBlob, error) {
	return p.vault.ReownBlob(from, to, b)
}
