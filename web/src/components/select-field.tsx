/** A labelled <select> whose options are [value, text] pairs. */
export type Options = ReadonlyArray<readonly [value: string, text: string]>

export function SelectField(props: { id: string; label: string; options: Options; value: string; onChange: (value: string) => void }) {
  return (
    <label class="field">
      <span>{props.label}</span>
      <select id={props.id} value={props.value} onChange={(e) => props.onChange(e.currentTarget.value)}>
        {props.options.map(([value, text]) => (
          <option key={value} value={value}>
            {text}
          </option>
        ))}
      </select>
    </label>
  )
}
