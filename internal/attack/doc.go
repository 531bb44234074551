// Package attack holds the disclosure attacker test and nothing else. The
// test plays an adversary of the hub's protection of people
// (disclosure.go in the root package, SECURITY.md): against a hub served
// over real HTTP on the demo data and on generated data of several sizes
// and skews, it calls every API as every role but admin, collects every
// statistics grouping of up to three dimensions with subtotals and filtered
// variants, writes every equation that links their cells, and solves the
// system exactly. It passes only when no answer publishes a count of 1 to
// 9 people and no protected cell is determined: for every one, it shows
// two datasets that give every answer it saw and differ in that cell.
package attack
