package main

import (
	"fmt"
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// writePlot charts the admitted requests over time of each client in one
// scenario, with the fastest schedule the server's limit allows drawn in.
func writePlot(path string, sc scenario, wl workload, res []runResult) error {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("Admitted requests over time: %s, %d per %v, N=%d, K=%d", sc.name, wl.L, wl.W, wl.N, wl.K)
	p.X.Label.Text = "seconds since start"
	p.Y.Label.Text = "requests admitted by the server"
	p.Legend.Top = true
	p.Legend.Left = true
	p.Add(plotter.NewGrid())

	start := res[0].start
	ideal := make(plotter.XYs, 0, wl.N)
	for i := 1; i <= wl.N; i++ {
		ideal = append(ideal, plotter.XY{X: sc.limit.MinDuration(i, start).Seconds(), Y: float64(i)})
	}
	lim, err := plotter.NewLine(ideal)
	if err != nil {
		return err
	}
	lim.Color = color.Black
	lim.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
	lim.StepStyle = plotter.PostStep
	p.Add(lim)
	p.Legend.Add("limit (fastest schedule allowed)", lim)

	for i, r := range res {
		xys := make(plotter.XYs, len(r.admissions))
		for j, t := range r.admissions {
			xys[j] = plotter.XY{X: t.Sub(start).Seconds(), Y: float64(j + 1)}
		}
		if len(xys) == 0 {
			continue
		}
		l, err := plotter.NewLine(xys)
		if err != nil {
			return err
		}
		l.Color = plotColor(i)
		l.Width = vg.Points(1.5)
		l.StepStyle = plotter.PostStep
		p.Add(l)
		p.Legend.Add(fmt.Sprintf("%s (%.1fs, %d×429)", r.Client, r.ElapsedS, r.HTTP429), l)
	}
	p.Legend.ThumbnailWidth = vg.Points(20)
	return p.Save(9*vg.Inch, 5.5*vg.Inch, path)
}

func plotColor(i int) color.Color {
	palette := []color.Color{
		color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff},
		color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff},
		color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff},
		color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff},
		color.RGBA{R: 0x94, G: 0x67, B: 0xbd, A: 0xff},
	}
	return palette[i%len(palette)]
}
