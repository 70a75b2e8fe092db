import { Item } from "./item";

interface Props {
  item: Item;
}

export function ItemRow(props: Props) {
  return <li>{props.item.id}</li>;
}

export const ItemList = ({ items }: { items: Item[] }) => (
  <ul>{items.map((item) => <ItemRow item={item} />)}</ul>
);
