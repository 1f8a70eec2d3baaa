// Package hot groups items into issues, many citizens raising the same local
// problem, and ranks the issues by size, growth and recency. Two items join
// the same issue when their texts are alike, or when they name the same
// specific place (an estate, a shop, a school) and their texts are somewhat
// alike. Grouping is a batch over a time window, so the dashboard and
// "minyi hot" regroup the open window on demand; a window of a few thousand
// items groups in well under a second.
package hot
