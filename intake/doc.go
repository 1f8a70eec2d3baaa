// Package intake turns what arrives from outside into rows the workflow can
// submit. Its file readers accept JSON Lines, CSV, .xlsx workbooks and .eml
// mails (OpenMail), of which it skips automatic replies and bounces. CSV may
// be UTF-8, UTF-16 with a byte order mark, or GB18030, which covers GBK and
// GB2312. The readers map Chinese or English column names to the fields of a
// Row and report each bad record as a *RowError while the rest of the file is
// still read. A file that cannot be decoded as a whole, for example one that
// mixes encodings, is rejected before any row is returned.
package intake
