/** The station page's charts: rainfall bars and the water level against its lines (server-rendered SVG, no script). */
export const Bars = ({ values, label, every }: { values: number[]; label: (i: number) => string; every: number }) => {
  const W = 720;
  const H = 160;
  const max = Math.max(1, ...values);
  const w = W / values.length;
  return (
    <svg viewBox={`0 0 ${W} ${H + 20}`} width="100%" class="bars" role="img">
      <title>雨量柱状图（毫米）</title>
      {values.map((v, i) => (
        <rect x={i * w + 1} y={H - (v / max) * H} width={Math.max(1, w - 2)} height={(v / max) * H} fill="#3d8bfd">
          <title>{`${label(i)} ${v.toFixed(1)} 毫米`}</title>
        </rect>
      ))}
      {values.map((_, i) =>
        i % every === 0 ? (
          <text x={i * w} y={H + 15}>
            {label(i)}
          </text>
        ) : null,
      )}
      {/* Top left: the newest bars are on the right, where a label would sit on them. */}
      <text x={4} y={12}>{`最大 ${max.toFixed(1)} 毫米`}</text>
    </svg>
  );
};

export const LINE_WORDS: Record<string, string> = { warning: '警戒', guarantee: '保证', record: '历史最高', floodLimit: '汛限', design: '设计', check: '校核' };

export const LevelChart = ({ points, lines, now }: { points: Array<{ t: number; level: number }>; lines: Record<string, number | undefined>; now: number }) => {
  const W = 720;
  const H = 220;
  const refs = Object.entries(lines).filter((x): x is [string, number] => x[1] !== undefined);
  const all = [...points.map((p) => p.level), ...refs.map(([, v]) => v)];
  if (all.length === 0) return <p class="muted">近24小时无水位数据。</p>;
  const lo = Math.min(...all) - 0.5;
  const hi = Math.max(...all) + 0.5;
  const x = (t: number) => ((t - (now - 86_400_000)) / 86_400_000) * W;
  const y = (v: number) => H - ((v - lo) / (hi - lo)) * H;
  return (
    <svg viewBox={`0 0 ${W} ${H}`} width="100%" class="levels" role="img">
      <title>近24小时水位（米）与特征水位线</title>
      {refs.map(([name, v]) => (
        <g class={`line-${name}`}>
          <line x1={0} x2={W} y1={y(v)} y2={y(v)} stroke={name === 'warning' || name === 'floodLimit' ? '#d4a800' : '#c62828'} stroke-dasharray="6 4" />
          <text x={4} y={y(v) - 3}>{`${LINE_WORDS[name] ?? name} ${v}`}</text>
        </g>
      ))}
      <polyline fill="none" stroke="#5fd39a" stroke-width="2" points={points.map((p) => `${x(p.t).toFixed(1)},${y(p.level).toFixed(1)}`).join(' ')} />
    </svg>
  );
};
