pub struct Inventory {
    counts: std::collections::BTreeMap<String, u32>,
}

impl Inventory {
    pub fn new() -> Self {
        Inventory { counts: std::collections::BTreeMap::new() }
    }

    pub fn reserve(&mut self, sku: &str, quantity: u32) -> bool {
        let available = self.available(sku);
        if available < quantity {
            return false;
        }
        self.counts.insert(sku.to_string(), available - quantity);
        true
    }

    pub fn available(&self, sku: &str) -> u32 {
        *self.counts.get(sku).unwrap_or(&0)
    }
}
