#include "ftisp/cli.h"

int main(int argc, char **argv) { return ft_cli_main(argc, argv); }
