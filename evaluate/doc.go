// Package evaluate owns the QR codes that citizens scan and the evaluations
// they leave through them: ratings of an officer, window, place or unit
// (满意, 基本满意, 不满意 with a comment) and praise. Evaluations are not
// tickets; an unsatisfied rating can be linked to the conduct complaint it
// was turned into. The package also computes the figures the officer and
// unit pages show, and renders codes as PNG and SVG.
package evaluate
