//! The rules a declaration must follow, one function each. Every rule
//! reports into the same collector, so one compile shows every mistake.

use std::collections::{HashMap, VecDeque};

use super::parse::Machine;
use super::{keys, Errors};

pub fn check(machine: &Machine<'_>, errors: &mut Errors) {
    no_generics(machine, errors);
    unit_variants_only(machine, errors);
    no_reserved_names(machine, errors);
    exactly_one_initial(machine, errors);
    targets_are_states(machine, errors);
    no_duplicate_edges(machine, errors);
    nothing_leaves_a_terminal(machine, errors);
    every_state_reachable(machine, errors);
}

/// States are types without parameters: a generic machine would need its
/// markers and edges generic too, which nothing needs yet.
fn no_generics(machine: &Machine<'_>, errors: &mut Errors) {
    let generics = &machine.item.generics;
    if !generics.params.is_empty() || generics.where_clause.is_some() {
        errors.push(
            generics,
            "#[state_machine] enums cannot be generic: the states are plain names; \
             keep data in the events and in projections",
        );
    }
}

/// A state is a name, not a value: data belongs in the events (and in
/// projections folded from them), so replay can rebuild the state from
/// kinds alone.
fn unit_variants_only(machine: &Machine<'_>, errors: &mut Errors) {
    for state in &machine.states {
        let variant = state.variant;
        if !matches!(variant.fields, syn::Fields::Unit) {
            errors.push(
                &variant.fields,
                format_args!(
                    "state `{}` carries data, but #[state_machine] states are unit variants: \
                     put the data in the events that lead here, and fold it in a projection",
                    variant.ident
                ),
            );
        }
    }
}

/// The generated module holds one type per state and the `Loaded` enum.
fn no_reserved_names(machine: &Machine<'_>, errors: &mut Errors) {
    for state in &machine.states {
        if state.variant.ident == keys::LOADED {
            errors.push(
                &state.variant.ident,
                format_args!(
                    "a state cannot be named `{}`: the module `{}` already has a `{}` type \
                     (the enum of typed handles); rename the state",
                    keys::LOADED,
                    machine.module,
                    keys::LOADED
                ),
            );
        }
    }
}

/// A new entity starts somewhere, and in one place only.
fn exactly_one_initial(machine: &Machine<'_>, errors: &mut Errors) {
    let name = &machine.item.ident;
    let mut initials = machine
        .states
        .iter()
        .filter_map(|s| s.initial.map(|t| (s, t)));
    let Some((first, _)) = initials.next() else {
        if machine.states.is_empty() {
            errors.push(
                name,
                format_args!("`{name}` has no states: add a variant per state"),
            );
        } else {
            errors.push(
                name,
                format_args!(
                    "`{name}` has no initial state: mark the state a new entity starts in \
                     with #[initial]"
                ),
            );
        }
        return;
    };
    for (_, token) in initials {
        errors.push(
            token,
            format_args!(
                "`{name}` already starts in `{}`: a machine has exactly one #[initial] state",
                first.variant.ident
            ),
        );
    }
}

/// `to = X` must name a variant of this enum.
fn targets_are_states(machine: &Machine<'_>, errors: &mut Errors) {
    let all = machine
        .states
        .iter()
        .map(|s| format!("`{}`", s.variant.ident))
        .collect::<Vec<_>>()
        .join(", ");
    for state in &machine.states {
        for transition in &state.transitions {
            if machine.state(&transition.to).is_none() {
                errors.push(
                    &transition.to,
                    format_args!(
                        "`{}` is not a state of `{}`; its states are {all}",
                        transition.to, machine.item.ident
                    ),
                );
            }
        }
    }
}

/// From one state, one event leads to one place: otherwise replay could
/// not tell where an entity went.
fn no_duplicate_edges(machine: &Machine<'_>, errors: &mut Errors) {
    for state in &machine.states {
        let mut seen = HashMap::new();
        for transition in &state.transitions {
            let event = transition.on.written();
            if let Some(first_to) = seen.insert(event, &transition.to) {
                errors.push_at(
                    transition.on.span(),
                    format_args!(
                        "`{}` already moves to `{first_to}` on `{}`: an event moves a state \
                         to one state only",
                        state.variant.ident,
                        transition.on.label()
                    ),
                );
            }
        }
    }
}

/// Terminal means final.
fn nothing_leaves_a_terminal(machine: &Machine<'_>, errors: &mut Errors) {
    for state in machine.states.iter().filter(|s| s.terminal.is_some()) {
        for transition in &state.transitions {
            errors.push(
                transition.keyword,
                format_args!(
                    "`{}` is #[terminal], so no transition may leave it: remove #[terminal] \
                     or this transition",
                    state.variant.ident
                ),
            );
        }
    }
}

/// A state no history can reach is a mistake in the declaration. Checked
/// only on a complete graph: after a broken or mistyped transition, the
/// states it meant to reach would be reported too, as noise.
fn every_state_reachable(machine: &Machine<'_>, errors: &mut Errors) {
    let broken = machine
        .states
        .iter()
        .any(|s| s.incomplete || s.transitions.iter().any(|t| machine.state(&t.to).is_none()));
    if broken {
        return;
    }
    let Some(initial) = machine.states.iter().position(|s| s.initial.is_some()) else {
        return; // reported by `exactly_one_initial`
    };
    let mut reached = vec![false; machine.states.len()];
    let mut queue = VecDeque::from([initial]);
    while let Some(index) = queue.pop_front() {
        if std::mem::replace(&mut reached[index], true) {
            continue;
        }
        for transition in &machine.states[index].transitions {
            if let Some(next) = machine.state(&transition.to) {
                queue.push_back(next);
            }
        }
    }
    let initial_name = &machine.states[initial].variant.ident;
    for (state, reached) in machine.states.iter().zip(reached) {
        if !reached {
            errors.push(
                &state.variant.ident,
                format_args!(
                    "`{}` cannot be reached from the initial state `{initial_name}`: \
                     add a transition to it, or remove it",
                    state.variant.ident
                ),
            );
        }
    }
}
