use batpak::typestate::{EdgeInfo, StateInfo, StateMachine};

enum Light {
    On,
}

impl StateMachine for Light {
    const NAME: &'static str = "Light";
    const INITIAL: Self = Light::On;
    const STATES: &'static [StateInfo] = &[];
    const EDGES: &'static [EdgeInfo] = &[];
    type Loaded = ();
    type InitialState = ();
    fn index(&self) -> usize { 0 }
    fn from_index(_: usize) -> Option<Self> { None }
    fn __loaded(self, _: batpak::Coordinate, _: u64) {}
}

fn main() {}
