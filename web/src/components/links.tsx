/** Links to dashboard views. */
import { href } from '../lib/router.js'

export function RunLink({ id }: { id: string }) {
  return (
    <a href={href(['runs', id])} class="mono">
      {id}
    </a>
  )
}
