/**
 * A time-series chart drawn by uPlot, which is loaded on first use so views without a chart do
 * not download it. X values are epoch milliseconds; each series is one line (or points). The chart
 * follows its container's width. Screen readers get `label` and `summary` instead of the canvas.
 *
 * @example
 * <TimeChart label="Runs per minute" times={[t0, t1]} series={[{ label: 'succeeded', values: [4, 9] }]} />
 */
import { useEffect, useRef, useState } from 'preact/hooks'
import type uPlot from 'uplot'

export interface ChartSeries {
  label: string
  values: Array<number | null>
  /** CSS colour of the line; defaults to the palette by position. */
  color?: string
  /** Appended to values in the legend and on the y axis ("s", "%"). */
  unit?: string
}

export interface TimeChartProps {
  /** What the chart shows, for its heading and for screen readers. */
  label: string
  /** A sentence with the figures that matter, read instead of the canvas. */
  summary?: string
  times: number[]
  series: ChartSeries[]
  height?: number
  /** Draw points only (scattered samples) instead of lines. */
  points?: boolean
}

const PALETTE = ['#2f5bd3', '#1f7a44', '#b42318', '#9a6200', '#6b4fbb', '#3a5a8c']

export function TimeChart(props: TimeChartProps) {
  const box = useRef<HTMLDivElement>(null)
  const chart = useRef<uPlot | null>(null)
  const [failed, setFailed] = useState<string | null>(null)
  const height = props.height ?? 220
  const shape = `${props.points ? 'p' : 'l'}|${props.series.map((s) => `${s.label}/${s.unit ?? ''}`).join(',')}`

  // (Re)create the chart when the set of series changes; data updates go through setData below.
  useEffect(() => {
    let cancelled = false
    let observer: ResizeObserver | undefined
    Promise.all([import('uplot'), import('uplot/dist/uPlot.min.css')])
      .then(([{ default: UPlot }]) => {
        const el = box.current
        if (cancelled || !el) return
        const unit = props.series[0]?.unit ?? ''
        const u = new UPlot(
          {
            width: Math.max(el.clientWidth, 200),
            height,
            ms: 1,
            cursor: { drag: { x: false, y: false } },
            axes: [{}, { size: 64, values: (_u, ticks) => ticks.map((t) => `${t}${unit ? ` ${unit}` : ''}`) }],
            series: [
              {},
              ...props.series.map((s, i) => ({
                label: s.label,
                stroke: s.color ?? PALETTE[i % PALETTE.length],
                width: 2,
                value: (_u: uPlot, v: number | null) => (v === null || v === undefined ? '—' : `${v}${s.unit ? ` ${s.unit}` : ''}`),
                ...(props.points ? { paths: () => null, points: { show: true, size: 7 } } : {}),
              })),
            ],
          },
          data(props),
          el,
        )
        chart.current = u
        observer = new ResizeObserver(() => u.setSize({ width: Math.max(el.clientWidth, 200), height }))
        observer.observe(el)
      })
      .catch((err: Error) => setFailed(err.message))
    return () => {
      cancelled = true
      observer?.disconnect()
      chart.current?.destroy()
      chart.current = null
    }
  }, [shape, height])

  useEffect(() => {
    chart.current?.setData(data(props))
  })

  return (
    <figure class="chart">
      <figcaption>{props.label}</figcaption>
      {failed ? <p class="muted">The chart could not be drawn: {failed}</p> : null}
      <div ref={box} class="chart-canvas" role="img" aria-label={props.summary ?? props.label} />
    </figure>
  )
}

function data(props: TimeChartProps): uPlot.AlignedData {
  return [props.times, ...props.series.map((s) => s.values)]
}
