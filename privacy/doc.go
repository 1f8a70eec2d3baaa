// Package privacy keeps citizens' personal data out of sight of staff.
//
// It provides:
//   - phone normalisation ([NormalizePhone], [ParsePhone]) and keyed hashes of
//     the normalised number ([BlindIndex]) so that repeat callers can be
//     linked without storing the number in clear;
//   - detection and masking of phone numbers, ID numbers, bank card numbers
//     and names in free text ([Mask]);
//   - the vault: field values encrypted with an AEAD cipher bound to the
//     ticket and the field, with key ids for rotation ([Vault], [Keys],
//     [Cipher]);
//   - the contact relay ([Relay], [Provider]) and the phone hint
//     ([Protector.PhoneHint]), the only callers of [Vault.Get]. The hint
//     shows a mobile number's first three and last four digits and a
//     fixed-line number's last two, never all of them.
//
// Keys live outside the database: in the file named by MINYI_KEYS_FILE or in
// the MINYI_KEYS environment variable ([LoadKeys]).
//
// Encryption uses the standard library's AES-256-GCM rather than Tink. The
// key file is a small JSON document defined in this package, the binary gains
// no dependency, and the [Cipher] interface is where an SM4 implementation
// plugs in.
package privacy
