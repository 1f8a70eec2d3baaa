package intake

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// MailExt is the extension of the mail files that OpenMail reads from a
// folder.
const MailExt = ".eml"

// OpenMail reads mails, one RFC 5322 message (.eml) per file. Each path is a
// .eml file or a folder, from which every *.eml file is read in name order;
// files keep the order of paths. Each mail is one record, numbered from 1 in
// that order, and Source returns its file. A mail that cannot be read or
// parsed is a *RowError and an automatic reply, bounce or read receipt is a
// *SkipError, so no mail is dropped without a trace. OpenMail itself fails
// when a path does not exist or cannot be listed, when a file lacks the .eml
// extension, and when no mail is found. opts.MaxBytes limits each mail, and
// opts.Map and opts.Sheet do not apply.
//
// A hash of a mail's Message-ID becomes the row's ID, its Date the time, the
// sender's display name the name, its Subject the title, and its text the
// body. The text of forwarded mails follows, quoted, and the names of the
// attachments come on a last line "附件：a.jpg, b.pdf". The sender's address
// is not stored.
func OpenMail(paths []string, opts ReadOptions) (*Reader, error) {
	files, ignored, err := mailFiles(paths)
	if err != nil {
		return nil, err
	}
	limit := opts.MaxBytes
	if limit <= 0 {
		limit = DefaultMaxBytes
	}
	r := &Reader{format: FormatEML, ignored: ignored}
	var charsets []string
	for i, file := range files {
		line := i + 1
		r.sources = append(r.sources, file)
		data, err := readLimited(file, limit)
		if err != nil {
			r.add(Row{Line: line}, err)
			continue
		}
		m, err := parseMail(data)
		if err != nil {
			r.add(Row{Line: line}, err)
			continue
		}
		if m.skip != nil {
			m.skip.Line = line
			r.items = append(r.items, item{err: m.skip})
			continue
		}
		for _, c := range m.charsets {
			if !slices.Contains(charsets, c) {
				charsets = append(charsets, c)
			}
		}
		r.add(m.row(line), nil)
	}
	r.encoding = EncodingMIME
	if len(charsets) > 0 {
		r.encoding += " (" + strings.Join(charsets, ", ") + ")"
	}
	return r, nil
}

// mailFiles expands paths into the list of mail files to read, and lists the
// other files and the sub-folders found in folders, which are not read. A
// sub-folder's name ends with the path separator.
func mailFiles(paths []string) (files, ignored []string, err error) {
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return nil, nil, fmt.Errorf("intake: %w", err)
		}
		if !info.IsDir() {
			if !strings.EqualFold(filepath.Ext(p), MailExt) {
				return nil, nil, fmt.Errorf("intake: %w: %s is not a %s mail; pass several files only as mails",
					ErrUnsupportedFormat, p, MailExt)
			}
			files = append(files, p)
			continue
		}
		entries, err := os.ReadDir(p) // sorted by name
		if err != nil {
			return nil, nil, fmt.Errorf("intake: %w", err)
		}
		for _, e := range entries {
			switch {
			case e.IsDir():
				// Sub-folders are not read, and the summary lists them.
				ignored = append(ignored, filepath.Join(p, e.Name())+string(filepath.Separator))
			case strings.EqualFold(filepath.Ext(e.Name()), MailExt):
				files = append(files, filepath.Join(p, e.Name()))
			default:
				ignored = append(ignored, filepath.Join(p, e.Name()))
			}
		}
	}
	if len(files) == 0 {
		return nil, nil, fmt.Errorf("intake: no %s files in %s", MailExt, strings.Join(paths, ", "))
	}
	return files, ignored, nil
}

// readLimited reads the file at path, failing when it is larger than limit.
func readLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", filepath.Base(path), err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%w: larger than %d MB", ErrTooLarge, limit>>20)
	}
	return data, nil
}

// Source returns the file that record line came from, for a Reader that
// OpenMail returned. It returns "" for other readers, whose records all come
// from one file.
func (r *Reader) Source(line int) string {
	if line < 1 || line > len(r.sources) {
		return ""
	}
	return r.sources[line-1]
}

// Ignored returns the files of a mail folder that were not read because they
// are not .eml files.
func (r *Reader) Ignored() []string { return r.ignored }
