# Prints the display width the `wcwidth` package (Unicode 17 tables) gives each code point read from stdin (one
# decimal number a line), one a line: an independent reference for the text table's width function.
import sys
from wcwidth import wcwidth
print('\n'.join(str(wcwidth(chr(int(line)))) for line in sys.stdin if line.strip()))
