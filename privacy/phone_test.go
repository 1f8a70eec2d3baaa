package privacy

import (
	"testing"
)

type phoneCase struct {
	name string
	in   string
	want string // "" when the input is not a personal phone number
}

func phoneCases() []phoneCase {
	var cases []phoneCase
	add := func(name, in, want string) { cases = append(cases, phoneCase{name, in, want}) }

	// The six spellings of one number, for several generated numbers.
	for _, prefix := range []string{"138", "139", "150", "177", "186", "199"} {
		m := genMobile(prefix)
		add(prefix+" plain", m, m)
		add(prefix+" spaced", spaced(m, " "), m)
		add(prefix+" hyphens", spaced(m, "-"), m)
		add(prefix+" plus86 spaced", "+86 "+spaced(m, " "), m)
		add(prefix+" 0086 hyphen", "0086-"+m, m)
		add(prefix+" full width", fullWidth(m), m)
	}
	m := genMobile("135")
	add("86 prefix", "86"+m, m)
	add("plus86 no space", "+86"+m, m)
	add("plus86 hyphen", "+86-"+m, m)
	add("bracketed plus86", "(+86)"+m, m)
	add("full-width plus86", fullWidth("+86 "+spaced(m, " ")), m)
	add("full-width hyphens", fullWidth(spaced(m, "-")), m)
	add("ideographic spaces", spaced(m, "\u3000"), m)
	add("surrounding spaces", "  "+m+"\t", m)
	add("dots", spaced(m, "."), m)
	add("0086 spaced", "0086 "+spaced(m, " "), m)
	add("mobile 4-4-3 grouping", m[:4]+" "+m[4:8]+" "+m[8:], m)

	add("mobile too short", m[:10], "")
	add("mobile too long", m+"1", "")
	add("mobile starting 12", "12"+m[2:], "")
	add("mobile starting 10", "10"+m[2:], "")
	add("mobile with letter", m[:10]+"a", "")
	add("mobile with extension", m+"转12", "")
	add("other country code", "+1 "+m, "")
	add("86 and twelve digits", "86"+m+"1", "")
	add("empty", "", "")
	add("spaces only", "   ", "")
	add("text", "电话", "")

	for _, service := range []string{"110", "119", "120", "122", "12345", "12389", "10086", "95555",
		"400-800-1234", "4008001234", "800-820-8820", "8008208820"} {
		add("service "+service, service, "")
	}

	add("landline hyphen", "0731-88880000", "0731-88880000")
	add("landline brackets", "(0731)88880000", "0731-88880000")
	add("landline full-width brackets", "（０７３１）８８８８－００００", "0731-88880000")
	add("landline spaced", "0731 8888 0000", "0731-88880000")
	add("landline run together", "073188880000", "0731-88880000")
	add("landline extension zhuan", "(0731)8888-0000转123", "0731-88880000-123")
	add("landline extension fenji", "0731-88880000分机8", "0731-88880000-8")
	add("landline extension hyphen", "0731-88880000-123", "0731-88880000-123")
	add("landline extension ext", "0731-88880000 ext. 45", "0731-88880000-45")
	add("landline extension hash", "0731-88880000#45", "0731-88880000-45")
	add("beijing", "010-62345678", "010-62345678")
	add("shanghai spaced", "021 6234 5678", "021-62345678")
	add("plus86 shanghai", "+86 21 6234 5678", "021-62345678")
	add("plus86 beijing", "+86 10 6234 5678", "010-62345678")
	add("0086 four-digit area", "0086-731-88880000", "0731-88880000")
	add("seven-digit local with area", "0739-2345678", "0739-2345678")
	add("local starting 0", "0731-08880000", "")
	add("local six digits", "0731-888800", "")
	add("area 01x other than 010", "0131-88880000", "")
	add("local starting 1", "010-12345678", "")

	add("local without area code", "88880000", "88880000")
	add("local spaced", "8888 0000", "88880000")
	add("local hyphen", "8888-0000", "88880000")
	add("local seven digits", "2345678", "2345678")
	add("local with extension", "8888-0000转12", "88880000-12")
	add("local starting 0", "08880000", "")
	add("local nine digits", "888800001", "")
	return cases
}

func TestNormalizePhone(t *testing.T) {
	for _, c := range phoneCases() {
		t.Run(c.name, func(t *testing.T) {
			got, ok := NormalizePhone(c.in)
			if got != c.want || ok != (c.want != "") {
				t.Errorf("NormalizePhone(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.want != "")
			}
			if ok {
				again, ok2 := NormalizePhone(got)
				if again != got || !ok2 {
					t.Errorf("NormalizePhone(%q) = %q, %v; canonical form must be stable", got, again, ok2)
				}
			}
		})
	}
}

func TestParsePhoneKinds(t *testing.T) {
	m := genMobile("138")
	tests := []struct {
		in   string
		want PhoneKind
	}{
		{m, Mobile},
		{"0731-88880000", Landline},
		{"88880000", Local},
	}
	for _, tt := range tests {
		t.Run(tt.want.String(), func(t *testing.T) {
			p, ok := ParsePhone(tt.in)
			if !ok || p.Kind != tt.want {
				t.Errorf("ParsePhone(%q) = %+v, %v; want kind %v", tt.in, p, ok, tt.want)
			}
		})
	}
	if p, _ := ParsePhone("8888-0000"); p.AreaCode != "" {
		t.Errorf("local number got area code %q; an area code must never be invented", p.AreaCode)
	}
}

func TestPhoneHint(t *testing.T) {
	m := genMobile("138")
	tests := []struct {
		in, want string
	}{
		{fullWidth(m), m[:3] + "****" + m[7:]},
		{"0731-88880000", "0731-******00"},
		{"0731-88880000转123", "0731-******00"},
		{"0739-2345678", "0739-*****78"},
		{"88880000", "******00"},
		{"2345678", "*****78"},
		{"12345", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := PhoneHint(tt.in); got != tt.want {
				t.Errorf("PhoneHint(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func FuzzNormalizePhone(f *testing.F) {
	for _, c := range phoneCases() {
		f.Add(c.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := NormalizePhone(s)
		if !ok {
			return
		}
		again, ok2 := NormalizePhone(got)
		if again != got || !ok2 {
			t.Errorf("NormalizePhone(%q) = %q, re-normalised %q, %v", s, got, again, ok2)
		}
	})
}
