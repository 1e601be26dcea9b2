package compose

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
)

// start is what may come before a program name in a command line: its
// start, a space, a directory, a shell separator.
const start = `(?:^|[\s/;&|(])`

// devTools are development commands: watchers that restart the app when
// files change, debuggers, and frameworks' development servers. what
// says what a match is; %s is the text of the pattern's first group.
var devTools = []struct {
	re   *regexp.Regexp
	what string
}{
	{regexp.MustCompile(start + `nodemon(?:\s|$)`), "nodemon restarts the app when files change"},
	{regexp.MustCompile(`(?:^|\s)--inspect(?:-brk)?(?:=\S*)?(?:\s|$)`), "--inspect opens a Node.js debugger to whoever reaches the port"},
	{regexp.MustCompile(start + `((?:npm|pnpm|yarn|bun)\s+(?:run\s+)?(?:dev|develop|watch|serve|start:dev))(?:\s|$)`), "%s runs the project's development script"},
	{regexp.MustCompile(start + `(ts-node-dev|tsx\s+watch|watchmedo|dotnet\s+watch)(?:\s|$)`), "%s restarts the app when files change"},
	{regexp.MustCompile(`(?:^|\s)(--(?:watch|reload))(?:\s|$)`), "%s restarts the server when files change"},
	{regexp.MustCompile(start + `air(?:\s+-c\s+\S+)?\s*(?:$|[;&|)])`), "air restarts the Go app when files change"},
	{regexp.MustCompile(start + `flask(?:\s+-\S+(?:\s+[^-\s;&|]\S*)?)*\s+run(?:\s|$)`), "flask run is Flask's development server"},
	{regexp.MustCompile(`manage\.py\s+runserver(?:\s|$)`), "manage.py runserver is Django's development server"},
	{regexp.MustCompile(`artisan\s+serve(?:\s|$)`), "artisan serve is Laravel's development server"},
	{regexp.MustCompile(start + `(next\s+dev|nuxt\s+dev|ng\s+serve|webpack\s+serve|webpack-dev-server|react-scripts\s+start|vue-cli-service\s+serve|vite(?:\s+(?:dev|serve))?)(?:\s+--|\s*(?:$|[;&|)]))`), "%s is a development server"},
	{regexp.MustCompile(start + `debugpy(?:\s|$)`), "debugpy opens a Python debugger to whoever reaches the port"},
}

// devCommand flags an entrypoint or command that runs a development
// tool. It is kept: berth cannot know the production command.
func (c *converter) devCommand(name string, s types.ServiceConfig) {
	for _, k := range []struct {
		key, berth, image string
		line              []string
	}{
		{"entrypoint", "command", "ENTRYPOINT", s.Entrypoint},
		{"command", "args", "CMD", s.Command},
	} {
		line := strings.Join(k.line, " ")
		var whats []string
		for _, t := range devTools {
			m := t.re.FindStringSubmatch(line)
			if m == nil {
				continue
			}
			what := t.what
			if len(m) > 1 {
				what = fmt.Sprintf(what, strings.Join(strings.Fields(m[1]), " "))
			}
			whats = append(whats, what)
		}
		if len(whats) == 0 {
			continue
		}
		if len(line) > 80 {
			line = line[:77] + "..."
		}
		c.warn(c.ix.locate(name, key(k.key)), "services."+name+"."+k.key,
			"%s %q is a development command (%s): berth keeps it as %s:, but a cluster should run the production start command: change it to that (node server.js, npm start, gunicorn app:app, …) or remove it so the image's %s runs",
			k.key, line, strings.Join(whats, "; "), k.berth, k.image)
	}
}
