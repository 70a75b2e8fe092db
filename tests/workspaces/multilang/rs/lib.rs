use std::collections::HashMap;

pub const LIMIT: usize = 10;

pub trait Store {
    fn get(&self, key: &str) -> Option<&String>;
}

pub struct MemStore {
    items: HashMap<String, String>,
}

pub enum Mode {
    Read,
    Write,
}

impl MemStore {
    pub fn new() -> Self {
        MemStore { items: HashMap::new() }
    }
}

impl Store for MemStore {
    fn get(&self, key: &str) -> Option<&String> {
        self.items.get(key)
    }
}

mod helpers {
    pub fn clamp(v: usize) -> usize {
        v.min(super::LIMIT)
    }
}

macro_rules! store {
    () => {
        MemStore::new()
    };
}

pub fn build() -> MemStore {
    let s = store!();
    println!("{}", helpers::clamp(3));
    s
}
