#include <cmath>
#include <string>

namespace geo {

constexpr double kPi = 3.14159;

class Shape {
public:
    virtual ~Shape() = default;
    virtual double area() const = 0;
};

class Circle : public Shape {
public:
    explicit Circle(double r) : radius_(r) {}
    double area() const override { return kPi * std::pow(radius_, 2); }

private:
    double radius_;
};

struct Point {
    double x, y;
};

double Circle_area(const Circle& c) { return c.area(); }

template <typename T>
T twice(T value) {
    return value * 2;
}

}  // namespace geo

int main() {
    geo::Circle c(1.0);
    return static_cast<int>(geo::twice(c.area()));
}
