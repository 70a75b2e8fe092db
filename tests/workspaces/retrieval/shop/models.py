"""Domain objects."""


class Record:
    """Something stored in the database."""

    def save(self, validate: bool = True) -> None:
        """Write the record."""

    def delete(self) -> None:
        """Remove the record."""


class Customer(Record):
    """A person who buys things."""

    def loyalty_points(self) -> int:
        return 0
