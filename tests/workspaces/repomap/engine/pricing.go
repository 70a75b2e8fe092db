package engine

// Discount is a percentage off a price.
type Discount struct {
	Percent int
}

// ApplyDiscount returns the discounted price in cents.
func ApplyDiscount(cents int, d Discount) int {
	return cents - cents*d.Percent/100
}

// BestDiscount picks the largest discount.
func BestDiscount(discounts []Discount) Discount {
	best := Discount{}
	for _, d := range discounts {
		if d.Percent > best.Percent {
			best = d
		}
	}
	return best
}
