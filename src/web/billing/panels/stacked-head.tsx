/**
 * A stacked table's column names (`table.stacked`, billing.css): read by screen readers and shown from 700px; a phone
 * shows each row as a card whose cells carry their column's name (data-label). The explicit roles keep the table's
 * semantics once CSS has made its rows grids.
 */
export function StackedHead(props: { readonly labels: readonly string[] }) {
  return (
    <thead role="rowgroup">
      <tr role="row">
        {props.labels.map((label) => (
          <th key={label} scope="col" role="columnheader">
            {label}
          </th>
        ))}
      </tr>
    </thead>
  );
}
