/**
 * The scenario language of {@code .ttm} files (docs/scenario-language.md): a parser and static checker that report
 * script errors as FILE:LINE:COLUMN, and an interpreter that runs a scenario on the simulator.
 */
package dev.ttm.protocol.scenario;
